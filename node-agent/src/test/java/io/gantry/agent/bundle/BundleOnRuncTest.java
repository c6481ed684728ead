package io.gantry.agent.bundle;

import io.gantry.agent.logs.JsonFileLogReader;
import io.gantry.agent.logs.JsonFileLogWriter;
import io.gantry.agent.logs.LogEntry;
import io.gantry.agent.logs.LogRotation;
import io.gantry.agent.logs.LogStream;
import io.gantry.agent.runtime.BusyboxRootfs;
import io.gantry.agent.runtime.ContainerExit;
import io.gantry.agent.runtime.ContainerState;
import io.gantry.agent.runtime.OciCliRuntime;
import io.gantry.agent.runtime.OciRuntimeBinary;
import io.gantry.agent.runtime.Signals;
import io.gantry.agent.runtime.StartRequest;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.job.NetworkMode;
import io.gantry.protocol.job.Resources;
import io.gantry.protocol.job.Volume;
import io.gantry.protocol.oci.ContainerConfig;
import io.gantry.protocol.oci.ImageConfig;
import io.gantry.protocol.oci.Platform;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bundles written by {@link BundleWriter} from an image config and a job, run by real runc over
 * a busybox rootfs, output read back from the json-file log.
 */
class BundleOnRuncTest {

    @TempDir
    Path tmp;

    Path rootfs;
    BundleWriter writer;
    OciCliRuntime runtime;
    final List<String> started = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        BusyboxRootfs.assumeRealContainers();
        rootfs = BusyboxRootfs.create(tmp.resolve("rootfs"));
        writer = new BundleWriter(BundleWriter.Settings.defaults(tmp).withCgroupParent("gantry-test"));
        runtime = new OciCliRuntime(OciRuntimeBinary.runc(OciRuntimeBinary.findOnPath("runc").orElseThrow()),
                OciCliRuntime.Options.defaults(tmp.resolve("runtime")));
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

    record Run(String id, ContainerExit exit, List<LogEntry> log, BundleWriter.WrittenBundle bundle) {
        String stdout() {
            return log.stream().filter(e -> e.stream() == LogStream.STDOUT).map(LogEntry::log).collect(Collectors.joining());
        }

        String stderr() {
            return log.stream().filter(e -> e.stream() == LogStream.STDERR).map(LogEntry::log).collect(Collectors.joining());
        }
    }

    static ImageConfig image(ContainerConfig config) {
        return ImageConfig.of(Platform.of("linux", "amd64"), config, List.of());
    }

    static ContainerConfig.Builder config() {
        return ContainerConfig.builder().env(List.of("PATH=/bin"));
    }

    static JobSpec.Builder job(String... command) {
        JobSpec.Builder b = JobSpec.builder("job", "busybox:test").network(NetworkMode.NONE)
                .resources(new Resources(500, 64 * Resources.MIB));
        if (command.length > 0) {
            b.command(List.of(command));
        }
        return b;
    }

    String start(ImageConfig image, JobSpec job, JsonFileLogWriter[] logOut, BundleWriter.WrittenBundle[] bundleOut) throws Exception {
        String id = "b" + Long.toHexString(System.nanoTime());
        started.add(id);
        Path dir = tmp.resolve("containers").resolve(id);
        BundleWriter.WrittenBundle bundle = writer.write(id, image, job, rootfs, dir.resolve("bundle"), null);
        JsonFileLogWriter log = new JsonFileLogWriter(dir.resolve("logs/container.log"), LogRotation.DEFAULT);
        runtime.start(new StartRequest(id, bundle.dir(), log));
        logOut[0] = log;
        bundleOut[0] = bundle;
        return id;
    }

    Run run(ImageConfig image, JobSpec job) throws Exception {
        JsonFileLogWriter[] log = new JsonFileLogWriter[1];
        BundleWriter.WrittenBundle[] bundle = new BundleWriter.WrittenBundle[1];
        String id = start(image, job, log, bundle);
        ContainerExit exit = runtime.await(id).toCompletableFuture().get(30, TimeUnit.SECONDS);
        log[0].close();
        return new Run(id, exit, new JsonFileLogReader(log[0].file()).readAll(), bundle[0]);
    }

    @Test
    void echoHiLandsInTheJsonLog() throws Exception {
        Run r = run(image(config().cmd(List.of("echo", "hi")).build()), job().build());
        assertEquals(0, r.exit().code());
        assertEquals(1, r.log().size());
        LogEntry e = r.log().get(0);
        assertEquals("hi\n", e.log());
        assertEquals(LogStream.STDOUT, e.stream());
        String raw = Files.readString(tmp.resolve("containers").resolve(r.id()).resolve("logs/container.log"));
        assertTrue(raw.matches("\\{\"log\":\"hi\\\\n\",\"stream\":\"stdout\",\"time\":\"\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z\"}\n"), raw);
    }

    @Test
    void imageEnvCmdWorkingDirAndUserAreHonoured() throws Exception {
        ImageConfig img = image(config()
                .env(List.of("PATH=/bin", "GREETING=from-image", "FOO=1"))
                .cmd(List.of("sh", "-c", "echo $GREETING $FOO $(pwd) $(id -u):$(id -g) $(id -G); echo $HOME $HOSTNAME"))
                .workingDir("/srv/app")
                .user("app")
                .build());
        Run r = run(img, job().env("GREETING", "from-job").build());
        assertEquals(0, r.exit().code(), r.stderr());
        String[] lines = r.stdout().split("\n");
        assertEquals("from-job 1 /srv/app 1000:1000 1000 2000", lines[0]);
        assertEquals("/home/app " + r.id().substring(0, 12), lines[1]);
        assertTrue(Files.isDirectory(rootfs.resolve("srv/app")), "missing working directory created");
    }

    @Test
    void jobOverridesEntrypointCommandUserAndWorkingDir() throws Exception {
        ImageConfig img = image(config().entrypoint(List.of("sh", "-c")).cmd(List.of("echo image-cmd")).user("app").build());
        Run plain = run(img, job().build());
        assertEquals("image-cmd\n", plain.stdout());

        Run cmd = run(img, job("echo job-cmd").build());
        assertEquals("job-cmd\n", cmd.stdout(), "a command replaces Cmd, the entrypoint stays");

        Run ep = run(img, job().entrypoint(List.of("echo")).args(List.of("only-args")).build());
        assertEquals("only-args\n", ep.stdout(), "an entrypoint override drops the image's Cmd");

        Run user = run(img, job("id -u; id -g; pwd").user("nobody:extra").workingDir("/tmp").build());
        assertEquals("65534\n2000\n/tmp\n", user.stdout());

        Run numeric = run(img, job("id -u; id -g").user("4242").build());
        assertEquals("4242\n0\n", numeric.stdout(), "a uid the image doesn't know runs with gid 0");
    }

    @Test
    void exitCodeIsRecorded() throws Exception {
        Run r = run(image(config().build()), job("sh", "-c", "echo bye >&2; exit 7").build());
        assertEquals(7, r.exit().code());
        assertEquals(0, r.exit().signal());
        assertEquals("bye\n", r.stderr());
    }

    @Test
    void stopUsesTheImagesStopSignal() throws Exception {
        ImageConfig img = image(config().stopSignal("SIGUSR1")
                .cmd(List.of("sh", "-c", "trap 'echo got-usr1; exit 0' USR1; echo ready; sleep 1000 & wait")).build());
        JsonFileLogWriter[] log = new JsonFileLogWriter[1];
        BundleWriter.WrittenBundle[] bundle = new BundleWriter.WrittenBundle[1];
        String id = start(img, job().build(), log, bundle);
        assertEquals(Signals.SIGUSR1, bundle[0].stopSignal());
        awaitLog(log[0], "ready");
        ContainerExit exit = runtime.stop(id, bundle[0].stopSignal(), Duration.ofSeconds(10)).toCompletableFuture().get(15, TimeUnit.SECONDS);
        assertEquals(0, exit.code());
        assertTrue(new JsonFileLogReader(log[0].file()).readAll().stream().anyMatch(e -> e.log().equals("got-usr1\n")));
    }

    @Test
    void aMemoryLimitBreachIsReportedAsOom() throws Exception {
        Run r = run(image(config().build()),
                job("sh", "-c", "head -c 100m /dev/zero | tail").resources(new Resources(500, 16 * Resources.MIB)).build());
        assertTrue(r.exit().oomKilled(), "OOM reported: " + r.exit());
        assertEquals(137, r.exit().code());
        assertEquals(Signals.SIGKILL, r.exit().signal());
    }

    @Test
    void generatedEtcFilesArePresentInsideAndNotInTheRootfs() throws Exception {
        Run r = run(image(config().build()), job("sh", "-c", "cat /etc/hostname; echo ---; cat /etc/hosts; echo ---; cat /etc/resolv.conf").build());
        assertEquals(0, r.exit().code(), r.stderr());
        String[] parts = r.stdout().split("---\n");
        assertEquals(r.id().substring(0, 12) + "\n", parts[0]);
        assertTrue(parts[1].startsWith("127.0.0.1\tlocalhost\n"), parts[1]);
        assertTrue(parts[1].contains("127.0.0.1\t" + r.id().substring(0, 12)), parts[1]);
        assertTrue(parts[2].contains("network none"), parts[2]);
        // runc leaves an empty file as the mount point of each file bind; the content never
        // reaches the rootfs (Docker hides these placeholders in its "-init" layer)
        for (String f : List.of("etc/hostname", "etc/hosts", "etc/resolv.conf")) {
            Path p = rootfs.resolve(f);
            assertTrue(!Files.exists(p) || Files.size(p) == 0, f + " in the rootfs holds content");
        }
    }

    @Test
    void networkNoneHasOnlyLoopbackAndItIsUp() throws Exception {
        Run r = run(image(config().build()), job("ip", "-o", "link").build());
        assertEquals(0, r.exit().code(), r.stderr());
        List<String> links = r.stdout().lines().toList();
        assertEquals(1, links.size(), r.stdout());
        assertTrue(links.get(0).contains(": lo: <LOOPBACK,UP,LOWER_UP>"), links.get(0));
    }

    @Test
    void hostNetworkSeesTheHostsInterfacesAndResolvConf() throws Exception {
        Run r = run(image(config().build()), job("sh", "-c", "ip -o link | wc -l; cat /etc/resolv.conf").network(NetworkMode.HOST).build());
        assertEquals(0, r.exit().code(), r.stderr());
        long hostLinks;
        try (var s = Files.list(Path.of("/sys/class/net"))) {
            hostLinks = s.count();
        }
        String[] lines = r.stdout().split("\n", 2);
        assertEquals(hostLinks, Long.parseLong(lines[0].trim()));
        assertEquals(Files.readString(Path.of("/etc/resolv.conf")).strip(), lines[1].strip());
    }

    @Test
    void pidsLimitStopsAForkBomb() throws Exception {
        Run r = run(image(config().build()), job("sh", "-c", "for i in $(seq 1 40); do sleep 2 & done; wait")
                .resources(new Resources(500, 64 * Resources.MIB, OptionalLong.of(10))).build());
        assertTrue(r.stderr().contains("fork"), "forks refused: " + r.stderr());
    }

    @Test
    void namedVolumeOutlivesItsContainerAndAnonymousVolumesAreSeededFromTheImage() throws Exception {
        Files.createDirectories(rootfs.resolve("var/lib/app"));
        Files.writeString(rootfs.resolve("var/lib/app/seed.txt"), "seeded\n");
        ImageConfig img = image(config().volumes(List.of("/var/lib/app")).build());
        Run write = run(img, job("sh", "-c", "echo kept > /data/file; cat /var/lib/app/seed.txt; echo new > /var/lib/app/x")
                .volume(Volume.named("data", "/data", false)).build());
        assertEquals(0, write.exit().code(), write.stderr());
        assertEquals("seeded\n", write.stdout());
        runtime.destroy(write.id(), true);
        assertEquals("kept\n", Files.readString(tmp.resolve("volumes/data/file")));
        assertFalse(Files.exists(rootfs.resolve("var/lib/app/x")), "writes to a volume don't reach the image's files");

        Path hostDir = Files.createDirectories(tmp.resolve("host-share"));
        Files.writeString(hostDir.resolve("r.txt"), "from-host\n");
        Run read = run(img, job("sh", "-c", "cat /data/file /share/r.txt; touch /share/nope")
                .volume(Volume.named("data", "/data", true))
                .volume(Volume.bind(hostDir.toString(), "/share", true)).build());
        assertEquals("kept\nfrom-host\n", read.stdout());
        assertTrue(read.stderr().contains("Read-only file system"), read.stderr());
        assertEquals(1, read.exit().code());
    }

    @Test
    void fiftyContainersRunAtOnce() throws Exception {
        ImageConfig img = image(config().cmd(List.of("sh", "-c", "trap 'exit 0' TERM; echo up; sleep 1000 & wait")).build());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<CompletableFuture<String>> starts = new ArrayList<>();
        List<JsonFileLogWriter> logs = java.util.Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < 50; i++) {
                starts.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        JsonFileLogWriter[] log = new JsonFileLogWriter[1];
                        String id = start(img, job().build(), log, new BundleWriter.WrittenBundle[1]);
                        logs.add(log[0]);
                        return id;
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }, pool));
            }
            List<String> ids = new ArrayList<>();
            for (CompletableFuture<String> f : starts) {
                ids.add(f.get(120, TimeUnit.SECONDS));
            }
            long startMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            for (String id : ids) {
                assertEquals(ContainerState.RUNNING, runtime.state(id).state(), id);
            }
            for (JsonFileLogWriter log : logs) {
                awaitLog(log, "up"); // its TERM handler is in place
            }
            List<CompletableFuture<ContainerExit>> exits = new ArrayList<>();
            for (String id : ids) {
                exits.add(CompletableFuture.supplyAsync(
                        () -> runtime.stop(id, Signals.SIGTERM, Duration.ofSeconds(10)).toCompletableFuture().join(), pool));
            }
            for (CompletableFuture<ContainerExit> e : exits) {
                assertEquals(0, e.get(120, TimeUnit.SECONDS).code());
            }
            System.out.printf("50 containers started in %d ms, all stopped after %d ms%n",
                    startMs, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        } finally {
            pool.shutdownNow();
        }
    }

    private static void awaitLog(JsonFileLogWriter log, String line) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (new JsonFileLogReader(log.file()).readAll().stream().anyMatch(e -> e.text().equals(line))) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no '" + line + "' in " + log.file());
    }

}
