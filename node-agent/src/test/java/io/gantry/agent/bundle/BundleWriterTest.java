package io.gantry.agent.bundle;

import io.gantry.agent.runtime.Signals;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.job.NetworkMode;
import io.gantry.protocol.job.Volume;
import io.gantry.protocol.oci.ContainerConfig;
import io.gantry.protocol.oci.ImageConfig;
import io.gantry.protocol.oci.Platform;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The writer's decisions, without running anything. */
class BundleWriterTest {

    @TempDir
    Path tmp;
    Path rootfs;
    BundleWriter writer;

    @BeforeEach
    void setUp() throws Exception {
        rootfs = Files.createDirectories(tmp.resolve("rootfs"));
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Path hosts = Files.writeString(tmp.resolve("host-hosts"), "10.0.0.1 myhost\n");
        Path resolv = Files.writeString(tmp.resolve("host-resolv"), "nameserver 10.0.0.53\n");
        writer = new BundleWriter(new BundleWriter.Settings(tmp.resolve("volumes"), "gantry",
                new HostLimits(Map.of("RLIMIT_NOFILE", new long[] {20000, 20000})), BundleWriter.DEFAULT_NOFILE,
                Optional.of(Path.of("/usr/bin/nsenter")), Optional.of(Path.of("/sbin/ip")), hosts, resolv, "myhost", Optional.empty()));
    }

    private BundleWriter.WrittenBundle write(ContainerConfig cfg, JobSpec job) {
        return writer.write("c0123456789abcdef", ImageConfig.of(Platform.of("linux", "amd64"), cfg, List.of()), job, rootfs,
                tmp.resolve("bundle"), null);
    }

    private static JobSpec.Builder job() {
        return JobSpec.builder("j", "img").network(NetworkMode.NONE);
    }

    @Test
    void environmentMergesImageThenJobAndFillsDefaults() {
        List<String> env = BundleWriter.environment(List.of("A=1", "PATH=/opt/bin", "B=2"), Map.of("B", "job", "C", "3"), "h", "/root");
        assertEquals(List.of("A=1", "PATH=/opt/bin", "B=job", "C=3", "HOSTNAME=h", "HOME=/root"), env);
        List<String> noPath = BundleWriter.environment(List.of(), Map.of(), "h", "/");
        assertEquals("PATH=" + BundleWriter.DEFAULT_PATH, noPath.get(0));
        assertThrows(BundleException.class, () -> BundleWriter.environment(List.of(), Map.of("A=B", "x"), "h", "/"));
    }

    @Test
    void writesConfigAndEtcFilesWithDockerDefaults() throws Exception {
        BundleWriter.WrittenBundle b = write(ContainerConfig.builder().cmd(List.of("run")).workingDir("/app").build(), job().build());
        OciSpec s = BundleFiles.readConfig(b.dir());
        assertEquals(List.of("run"), s.process().args());
        assertEquals("/app", s.process().cwd());
        assertTrue(Files.isDirectory(rootfs.resolve("app")));
        assertEquals("c0123456789a", s.hostname());
        assertEquals("/gantry/c0123456789abcdef", s.linux().cgroupsPath());
        assertEquals(List.of(new OciSpec.Rlimit("RLIMIT_NOFILE", 20000, 20000)), s.process().rlimits(), "clamped to the agent's hard limit");
        assertEquals(Signals.SIGTERM, b.stopSignal());
        assertEquals("c0123456789a\n", Files.readString(b.dir().resolve("hostname")));
        assertTrue(Files.readString(b.dir().resolve("hosts")).contains("127.0.0.1\tc0123456789a\n"));
        assertTrue(Files.readString(b.dir().resolve("resolv.conf")).startsWith("#"));
        assertTrue(s.mounts().stream().anyMatch(m -> m.destination().equals("/etc/resolv.conf") && m.source().equals(b.dir().resolve("resolv.conf").toString())));
        assertTrue(s.hooks().createRuntime().size() == 1, "loopback brought up in network none");
    }

    @Test
    void hostNetworkCopiesTheHostsFilesAndName() throws Exception {
        BundleWriter.WrittenBundle b = write(ContainerConfig.builder().cmd(List.of("run")).build(), job().network(NetworkMode.HOST).build());
        assertEquals("myhost\n", Files.readString(b.dir().resolve("hostname")));
        assertEquals("10.0.0.1 myhost\n", Files.readString(b.dir().resolve("hosts")));
        assertEquals("nameserver 10.0.0.53\n", Files.readString(b.dir().resolve("resolv.conf")));
    }

    @Test
    void volumesAreOrderedParentsFirstAndAnonymousOnesAreNamedPerContainer() throws Exception {
        Path host = Files.createDirectories(tmp.resolve("h"));
        BundleWriter.WrittenBundle b = write(ContainerConfig.builder().cmd(List.of("run")).volumes(List.of("/data", "/var/cache")).build(),
                job().volume(Volume.named("inner", "/data/inner", false)).volume(Volume.bind(host.toString(), "/data", true)).build());
        List<OciSpec.Mount> binds = b.spec().mounts().stream().filter(m -> m.type().equals("bind") && !m.destination().startsWith("/etc/")).toList();
        assertEquals(List.of("/data", "/data/inner", "/var/cache"), binds.stream().map(OciSpec.Mount::destination).toList());
        assertTrue(binds.get(0).options().contains("ro"));
        assertTrue(binds.get(2).source().startsWith(tmp.resolve("volumes/anon-c0123456789abcdef-").toString()), binds.get(2).source());
        assertTrue(Files.isDirectory(tmp.resolve("volumes/inner")));
    }

    @Test
    void badInputNamesTheProblem() {
        BundleException e = assertThrows(BundleException.class, () -> write(ContainerConfig.EMPTY, job().build()));
        assertTrue(e.getMessage().contains("no command"), e.getMessage());
        assertTrue(e.getMessage().contains("container c0123456789abcdef"), e.getMessage());
        e = assertThrows(BundleException.class, () -> write(ContainerConfig.builder().cmd(List.of("x")).stopSignal("SIGNOPE").build(), job().build()));
        assertTrue(e.getMessage().contains("StopSignal"), e.getMessage());
        e = assertThrows(BundleException.class, () -> write(ContainerConfig.builder().cmd(List.of("x")).build(), job().workingDir("rel").build()));
        assertTrue(e.getMessage().contains("not absolute"), e.getMessage());
        e = assertThrows(BundleException.class, () -> write(ContainerConfig.builder().cmd(List.of("x")).build(),
                job().volume(Volume.named("../escape", "/v", false)).build()));
        assertTrue(e.getMessage().contains("volume name"), e.getMessage());
        e = assertThrows(BundleException.class, () -> write(ContainerConfig.builder().cmd(List.of("x")).user("ghost").build(), job().build()));
        assertTrue(e.getMessage().contains("unable to find user ghost"), e.getMessage());
        assertEquals(Signals.SIGUSR1, write(ContainerConfig.builder().cmd(List.of("x")).stopSignal("10").build(), job().build()).stopSignal());
    }
}
