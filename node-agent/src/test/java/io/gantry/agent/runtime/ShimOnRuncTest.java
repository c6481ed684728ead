package io.gantry.agent.runtime;

import io.gantry.agent.bundle.BundleWriter;
import io.gantry.agent.bundle.OciSpec;
import io.gantry.agent.logs.LogStream;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.job.NetworkMode;
import io.gantry.protocol.job.Resources;
import io.gantry.protocol.oci.ContainerConfig;
import io.gantry.protocol.oci.ImageConfig;
import io.gantry.protocol.oci.Platform;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.FieldSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What only real runc shows, under each kind of shim: the OOM kill counted from the container's
 * memory cgroup, and the loopback interface of a network-none container brought up by the
 * shim's kind of createRuntime hook (the compiled {@code gantry-shim loopback-up}, or
 * sh + nsenter + ip).
 */
@ParameterizedClass(name = "{0} shim")
@FieldSource("io.gantry.agent.runtime.RealContainers#SHIM_KINDS")
class ShimOnRuncTest {

    @Parameter
    String shimKind;

    @TempDir
    Path tmp;

    Shim shim;
    Path rootfs;
    BundleWriter writer;
    OciCliRuntime runtime;
    final List<String> started = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        BusyboxRootfs.assumeRealContainers();
        shim = RealContainers.shim(shimKind, tmp.resolve("bin"));
        rootfs = BusyboxRootfs.create(tmp.resolve("rootfs"));
        writer = new BundleWriter(BundleWriter.Settings.defaults(tmp).withCgroupParent(RealContainers.CGROUP_PARENT).withShim(shim));
        runtime = new OciCliRuntime(RealContainers.runc(), OciCliRuntime.Options.defaults(tmp.resolve("runtime"), shim));
    }

    @AfterEach
    void tearDown() {
        if (runtime == null) {
            return;
        }
        for (String id : started) {
            runtime.destroy(id, true);
        }
        runtime.close();
    }

    record Run(ContainerExit exit, CollectingLogSink logs, OciSpec spec) {
    }

    private Run run(JobSpec.Builder jobBuilder) throws Exception {
        JobSpec job = jobBuilder.build();
        String id = "shim-" + Long.toHexString(System.nanoTime());
        started.add(id);
        ImageConfig image = ImageConfig.of(Platform.of("linux", "amd64"), ContainerConfig.builder().env(List.of("PATH=/bin")).build(), List.of());
        BundleWriter.WrittenBundle bundle = writer.write(id, image, job, rootfs, tmp.resolve("bundles").resolve(id), null);
        CollectingLogSink logs = new CollectingLogSink();
        runtime.start(new StartRequest(id, bundle.dir(), logs));
        ContainerExit exit = runtime.await(id).toCompletableFuture().get(30, TimeUnit.SECONDS);
        return new Run(exit, logs, bundle.spec());
    }

    private static JobSpec.Builder job(String... command) {
        return JobSpec.builder("job", "busybox:test").network(NetworkMode.NONE).command(List.of(command))
                .resources(new Resources(500, 64 * Resources.MIB));
    }

    @Test
    void anOomKillIsCountedAndReported() throws Exception {
        assumeTrue(runtime.capabilities().detectsOom(), "needs a memory cgroup with an oom_kill counter");
        Run r = run(job("sh", "-c", "head -c 100m /dev/zero | tail").resources(new Resources(500, 16 * Resources.MIB)));
        assertTrue(r.exit().oomKilled(), "OOM reported: " + r.exit());
        assertEquals(137, r.exit().code());
        assertEquals(Signals.SIGKILL, r.exit().signal());
    }

    @Test
    void aPlainExitIsNotAnOom() throws Exception {
        Run r = run(job("sh", "-c", "exit 3"));
        assertEquals(3, r.exit().code());
        assertTrue(!r.exit().oomKilled(), r.exit().toString());
    }

    @Test
    void loopbackIsUpInANetworkNoneContainer() throws Exception {
        if (shim instanceof Shim.Shell) {
            assumeTrue(OciRuntimeBinary.findOnPath("nsenter").isPresent() && OciRuntimeBinary.findOnPath("ip").isPresent(),
                    "the shell shim's hook needs nsenter (util-linux) and ip (iproute2)");
        }
        Run r = run(job("sh", "-c", "cat /sys/class/net/lo/flags; ls /sys/class/net; ip -o link"));
        OciSpec.Hook hook = r.spec().hooks().createRuntime().get(0);
        assertEquals(shim instanceof Shim.Compiled ? shim.binary().orElseThrow().toString() : "/bin/sh", hook.path(),
                "the " + shimKind + " shim's kind of hook");
        assertEquals(0, r.exit().code(), r.logs().text(LogStream.STDERR));
        String[] out = r.logs().text(LogStream.STDOUT).split("\n");
        assertEquals("0x9", out[0], "IFF_UP | IFF_LOOPBACK");
        assertEquals("lo", out[1], "only loopback in network none");
        assertTrue(out[2].contains(": lo: <LOOPBACK,UP,LOWER_UP>"), out[2]);
    }
}
