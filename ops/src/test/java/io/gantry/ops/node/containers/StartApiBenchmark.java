package io.gantry.ops.node.containers;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.agent.bundle.BundleWriter;
import io.gantry.agent.runtime.OciRuntimeBinary;
import io.gantry.agent.runtime.Shim;
import io.gantry.agent.testing.StartBench;
import io.gantry.agent.testing.StartBench.Mode;
import io.gantry.layercache.content.ContentStore;
import io.gantry.layercache.image.ImageBuilder;
import io.gantry.layercache.image.ImageStore;
import io.gantry.layercache.image.LayerContent;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.job.NetworkMode;
import io.gantry.protocol.job.Resources;
import io.gantry.protocol.oci.ContainerConfig;
import io.gantry.protocol.oci.ImageConfig;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.Platform;
import io.gantry.scheduler.api.ApiJson;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static io.gantry.agent.posix.FileTrees.deleteTree;
import static io.gantry.agent.testing.StartBench.check;
import static io.gantry.agent.testing.StartBench.quiet;
import static io.gantry.agent.testing.StartBench.status;

/**
 * Warm start of {@code /bin/true} through the node's REST API, from request to observed exit:
 * {@code POST /v1/containers?wait=true} against a {@code gantry server} running in its own JVM
 * with the launcher's default JVM flags (the image already pulled and unpacked; each container is
 * removed after its run, outside the timing). Two servers: one as shipped (the compiled
 * gantry-shim and its loopback hook), and a reference with {@code gantry.agent.shim = sh} (the
 * shell shim and the sh + nsenter + ip hook: the fallback, and what ran before the compiled shim;
 * BENCH_REFERENCE_SHIM and BENCH_REFERENCE_JAVA_OPTS change its shim and JVM flags). Side by
 * side, in rounds of one run each in a new order, with bare {@code runc run} of an equivalent bundle (written by
 * the same BundleWriter from the same image config over the same files, with either hook) and
 * {@code podman run --rm --network none} of the same files imported as an image (runc,
 * cgroupfs, the ulimits root may grant here). Prints median, p95, min and mean, the gaps to
 * runc (of the medians, and the median of the per-round differences), the ratios to podman, the
 * server's CPU per round and the servers' peak RSS. Reports numbers, never pass/fail.
 *
 * <p>Run it with {@code ops/bench/start-api [RUNS] [WORK_DIR]}. Needs root, runc, busybox-static;
 * podman when installed.
 */
public final class StartApiBenchmark {

    static final List<String> APPLETS = List.of("sh", "true");
    static final String PODMAN_IMAGE = "localhost/gantry-bench-true:latest";


    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        Path work = Path.of(args.length > 1 ? args[1] : "/var/tmp/gantry-start-api-bench").toAbsolutePath();
        int warmup = 10;
        Path runc = OciRuntimeBinary.findOnPath("runc").orElseThrow(() -> new IllegalStateException("runc not found"));
        Optional<Path> podman = OciRuntimeBinary.findOnPath("podman");
        for (String m : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            if (m.split(" ")[4].startsWith(work.toString())) {
                throw new IllegalStateException("something is still mounted under " + work + " (" + m.split(" ")[4]
                        + "): unmount it or pick another work directory");
            }
        }
        deleteTree(work);
        Files.createDirectories(work);

        // the image: busybox with /bin/true, built into the node's own store (already "pulled")
        Path data = work.resolve("node");
        ImageReference ref = ImageReference.parse("localhost/bench/true:1");
        ContainerConfig config = ContainerConfig.builder().env(List.of("PATH=/bin")).cmd(List.of("/bin/true")).build();
        buildBusyboxImage(data, ref, config, APPLETS);

        // the same files as a plain directory, for runc and podman
        Path rootfs = busyboxRootfs(work.resolve("rootfs"), APPLETS);

        // The reference server: the shell shim (BENCH_REFERENCE_SHIM=compiled for the compiled one)
        // and the launcher's JVM flags (BENCH_REFERENCE_JAVA_OPTS for others), on its own copy of the image.
        String refShim = Optional.ofNullable(System.getenv("BENCH_REFERENCE_SHIM")).filter(s -> !s.isBlank()).orElse("sh");
        String refOpts = Optional.ofNullable(System.getenv("BENCH_REFERENCE_JAVA_OPTS")).filter(s -> !s.isBlank()).orElse(null);
        // BENCH_REFERENCE_CLASSPATH: the reference server from another build (say, the commit before a
        // change), for a before/after comparison within one run
        String refClasspath = Optional.ofNullable(System.getenv("BENCH_REFERENCE_CLASSPATH")).filter(s -> !s.isBlank()).orElse(null);
        Path dataSh = work.resolve("node-ref");
        buildBusyboxImage(dataSh, ref, config, APPLETS);

        Shim compiled = Shim.select("compiled", work.resolve("bin"));
        Shim sh = Shim.select("sh", work.resolve("bin"));
        List<Mode> modes = new ArrayList<>();
        Server server = Server.start(data, work.resolve("server.log"), "agent", "", null, null);
        Server serverSh = Server.start(dataSh, work.resolve("server-ref.log"), "agent", "gantry.agent.shim = " + refShim + "\n", refOpts,
                refClasspath);
        String refName = refClasspath != null ? "gantry API (runc), reference: other build"
                : "gantry API (runc), reference: " + (refShim.equals("sh") ? "sh shim + sh/nsenter/ip hook" : refShim + " shim")
                + (refOpts == null ? "" : ", own JVM flags");
        modes.add(gantryMode(server, ref, "gantry API (runc), compiled shim + hook"));
        modes.add(runcMode(runc, rootfs, config, work, compiled, "runc run (bare), compiled hook"));
        modes.add(gantryMode(serverSh, ref, refName));
        modes.add(runcMode(runc, rootfs, config, work, sh, "runc run (bare), sh/nsenter/ip hook"));
        if (podman.isPresent()) {
            Mode p = StartBench.podman(podman.get(), rootfs, work, PODMAN_IMAGE);
            if (p != null) {
                modes.add(p);
            }
        } else {
            System.out.println("podman: not installed, skipped");
        }

        long cpuBefore = StartBench.cpuTicks(server.pid());
        long jitBefore = StartBench.cpuTicksOfThreads(server.pid(), "CompilerThre");
        Map<String, long[]> samples = StartBench.inRounds(modes, warmup, runs);
        long cpu = StartBench.cpuTicks(server.pid()) - cpuBefore;
        long jit = StartBench.cpuTicksOfThreads(server.pid(), "CompilerThre") - jitBefore;
        String serverHwm = status("VmHWM", Path.of("/proc", Long.toString(server.pid()), "status"));
        String serverRss = status("VmRSS", Path.of("/proc", Long.toString(server.pid()), "status"));
        String serverShHwm = status("VmHWM", Path.of("/proc", Long.toString(serverSh.pid()), "status"));
        server.stop();
        serverSh.stop();

        System.out.printf(Locale.ROOT, "%nwarm start of /bin/true, request -> exit observed, %d runs each (after %d warm-up), rounds in shuffled order%n",
                runs, warmup);
        Map<String, Double> medians = StartBench.printTable(samples);
        double gantry = medians.get(modes.get(0).name());
        double bare = medians.get(modes.get(1).name());
        double gantrySh = medians.get(modes.get(2).name());
        double bareSh = medians.get(modes.get(3).name());
        System.out.printf(Locale.ROOT, "%ngantry API median - runc run median (target: <= +15 ms):%n"
                + "  compiled shim + hook vs runc with the same bundle: %+.1f ms%n"
                + "  reference server vs runc with the sh hook:         %+.1f ms%n"
                + "  compiled shim + hook vs runc with the sh hook:     %+.1f ms%n"
                + "  compiled shim + hook vs the reference server:      %+.1f ms%n", gantry - bare, gantrySh - bareSh, gantry - bareSh,
                gantry - gantrySh);
        System.out.printf(Locale.ROOT, "median of the per-round differences (the two ran in the same round):%n"
                + "  compiled shim + hook vs runc with the same bundle: %+.1f ms%n"
                + "  reference server vs runc with the sh hook:         %+.1f ms%n",
                StartBench.pairedMedianMs(samples.get(modes.get(0).name()), samples.get(modes.get(1).name())),
                StartBench.pairedMedianMs(samples.get(modes.get(2).name()), samples.get(modes.get(3).name())));
        medians.entrySet().stream().filter(e -> e.getKey().startsWith("podman")).findFirst().ifPresent(e ->
                System.out.printf(Locale.ROOT, "podman median / gantry API median (target: >= 3x): compiled shim %.2fx, reference %.2fx%n",
                        e.getValue() / gantry, e.getValue() / gantrySh));
        System.out.printf(Locale.ROOT, "gantry server JVM (%s): peak RSS (VmHWM) %s, RSS at the end %s%n",
                String.join(" ", Server.jvmFlags()), serverHwm, serverRss);
        System.out.printf(Locale.ROOT, "gantry server CPU per round (one start and one removal, %d rounds): %.1f ms, of which the JIT compilers %.1f ms%n",
                warmup + runs, cpu * 10.0 / (warmup + runs), jit * 10.0 / (warmup + runs));
        System.out.printf(Locale.ROOT, "reference server JVM (%s, shim %s%s): peak RSS (VmHWM) %s%n",
                refOpts == null ? "the same flags" : refOpts, refShim, refClasspath == null ? "" : ", class path " + refClasspath, serverShHwm);
        System.out.printf(Locale.ROOT, "benchmark client JVM: peak RSS (VmHWM) %s, jdk.lang.Process.launchMechanism=%s%n",
                status("VmHWM", Path.of("/proc/self/status")), System.getProperty("jdk.lang.Process.launchMechanism", "(default)"));
        System.out.println("server log: " + work.resolve("server.log"));
    }

    // ------------------------------------------------------------------ the modes

    private static Mode gantryMode(Server server, ImageReference ref, String name) throws IOException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        RawHttp raw = new RawHttp(server.uri(), server.token());
        byte[] body = ApiJson.bytes(Map.of("image", ref.toString(), "cmd", List.of("/bin/true"), "network", "none"));
        return new Mode() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public long run(int i) throws Exception {
                long t0 = System.nanoTime();
                RawHttp.Response r = raw.post("/v1/containers?wait=true", body);
                long t = System.nanoTime() - t0;
                JsonNode c = ApiJson.MAPPER.readTree(r.body());
                if (r.status() != 200 || c.path("exitCode").asInt(-1) != 0) {
                    throw new IllegalStateException("gantry run " + i + ": " + r.status() + " " + new String(r.body()));
                }
                HttpResponse<String> del = http.send(server.request("/v1/containers/" + c.path("id").asText()).DELETE().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (del.statusCode() != 200) {
                    throw new IllegalStateException("remove after run " + i + ": " + del.body());
                }
                return t;
            }

            @Override
            public void close() throws IOException {
                raw.close();
            }
        };
    }

    /**
     * A bare HTTP/1.1 client on one kept-alive socket, so that the timing is the server's and not
     * a client library's thread hops (java.net.http adds a few ms per call here); curl would do the
     * same, at the cost of a process per call.
     */
    static final class RawHttp implements AutoCloseable {
        record Response(int status, byte[] body) {
        }

        private final java.net.Socket socket;
        private final java.io.BufferedInputStream in;
        private final java.io.OutputStream out;
        private final String host;
        private final String token;

        RawHttp(URI uri, String token) throws IOException {
            this.socket = new java.net.Socket(uri.getHost(), uri.getPort());
            socket.setTcpNoDelay(true);
            this.in = new java.io.BufferedInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
            this.host = uri.getHost() + ":" + uri.getPort();
            this.token = token;
        }

        Response post(String path, byte[] body) throws IOException {
            return send("POST", path, body);
        }

        Response get(String path) throws IOException {
            return send("GET", path, new byte[0]);
        }

        Response send(String method, String path, byte[] body) throws IOException {
            String head = method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + token
                    + (body.length > 0 ? "\r\nContent-Type: application/json" : "")
                    + "\r\nContent-Length: " + body.length + "\r\n\r\n";
            byte[] h = head.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            byte[] all = new byte[h.length + body.length];
            System.arraycopy(h, 0, all, 0, h.length);
            System.arraycopy(body, 0, all, h.length, body.length);
            out.write(all);
            out.flush();
            String status = line();
            int code = Integer.parseInt(status.split(" ")[1]);
            int length = -1;
            boolean chunked = false;
            for (String l = line(); !l.isEmpty(); l = line()) {
                String lower = l.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Integer.parseInt(l.substring(15).trim());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                }
            }
            java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
            if (chunked) {
                for (int n = Integer.parseInt(line().trim(), 16); n > 0; n = Integer.parseInt(line().trim(), 16)) {
                    b.write(in.readNBytes(n));
                    line();
                }
                line();
            } else {
                b.write(in.readNBytes(length));
            }
            return new Response(code, b.toByteArray());
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new IOException("connection closed by the server");
                }
                if (c != '\r') {
                    sb.append((char) c);
                }
            }
            return sb.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Bare runc of the bundle BundleWriter writes, with the loopback hook of {@code shim}. */
    private static Mode runcMode(Path runc, Path rootfs, ContainerConfig config, Path work, Shim shim, String name) throws IOException {
        String id = shim instanceof Shim.Compiled ? "runc-bench" : "runc-bench-sh";
        Path root = Files.createDirectories(work.resolve("runc-root"));
        BundleWriter writer = new BundleWriter(BundleWriter.Settings.defaults(work).withCgroupParent("gantry-bench").withShim(shim));
        ImageConfig image = ImageConfig.of(Platform.of("linux", "amd64"), config, List.of());
        JobSpec job = JobSpec.builder("bench", "bench").network(NetworkMode.NONE).resources(new Resources(0, 0)).build();
        Path bundle = writer.write(id, image, job, rootfs, work.resolve(id + "-bundle"), null).dir();
        return new Mode() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public long run(int i) throws Exception {
                List<String> cmd = List.of(runc.toString(), "--root", root.toString(), "run", "--bundle", bundle.toString(), id);
                long t0 = System.nanoTime();
                int rc = quiet(cmd).waitFor();
                long t = System.nanoTime() - t0;
                check(rc, "runc run " + i);
                return t;
            }
        };
    }

    // ------------------------------------------------------------------ the server

    /** {@code gantry server --roles agent} in a JVM of its own, with the launcher's JVM flags. */
    record Server(Process process, URI uri, String token) {
        static Server start(Path data, Path log) throws Exception {
            return start(data, log, "agent");
        }

        /** The server with the given roles ({@code agent}, or {@code scheduler,agent} for all-in-one). */
        static Server start(Path data, Path log, String roles) throws Exception {
            return start(data, log, roles, "", null, null);
        }

        /**
         * The JVM flags of the server: GANTRY_JAVA_OPTS when set, else the launcher's defaults, read
         * from the distribution's launcher script ({@code default_opts=( ... )} in
         * ops/src/dist/bin/gantry), so that the benchmark runs what {@code gantry server} runs.
         */
        static List<String> jvmFlags() throws IOException {
            String opts = System.getenv("GANTRY_JAVA_OPTS");
            if (opts != null && !opts.isBlank()) {
                return List.of(opts.trim().split("\\s+"));
            }
            Path launcher = Path.of("ops/src/dist/bin/gantry");
            List<String> flags = new ArrayList<>();
            boolean in = false;
            for (String line : Files.readAllLines(launcher)) {
                String l = line.replaceAll("#.*", "").trim();
                if (l.startsWith("default_opts=(")) {
                    in = true;
                    l = l.substring("default_opts=(".length()).trim();
                }
                if (!in) {
                    continue;
                }
                boolean end = l.endsWith(")");
                l = end ? l.substring(0, l.length() - 1).trim() : l;
                if (!l.isEmpty()) {
                    flags.addAll(List.of(l.split("\\s+")));
                }
                if (end) {
                    break;
                }
            }
            if (flags.isEmpty()) {
                throw new IllegalStateException("no default_opts=( ... ) in " + launcher.toAbsolutePath() + "; run from the repository root");
            }
            if (Runtime.version().feature() >= 25) {
                flags.removeIf(f -> f.startsWith("-Djdk.lang.Process.launchMechanism=")); // as the launcher does
            }
            return flags;
        }

        /**
         * As above, with {@code extraConfig} (HOCON lines) added to the server's config file,
         * {@code javaOpts} as its JVM flags instead of {@link #jvmFlags()} and {@code classpath}
         * instead of this JVM's class path, each when not null.
         */
        static Server start(Path data, Path log, String roles, String extraConfig, String javaOpts, String classpath) throws Exception {
            int port;
            int clusterPort;
            try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(0)) {
                port = a.getLocalPort();
                clusterPort = b.getLocalPort();
            }
            Path conf = data.resolveSibling(data.getFileName() + "-bench.conf");
            Files.writeString(conf, "gantry.logs.file = off\npekko.loglevel = WARNING\ngantry.agent.cgroup-parent = gantry-bench\n" + extraConfig);
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            cmd.addAll(javaOpts == null ? jvmFlags() : List.of(javaOpts.trim().split("\\s+")));
            cmd.addAll(List.of("-cp", classpath != null ? classpath : System.getProperty("java.class.path"), "io.gantry.ops.Main", "server", "--roles", roles,
                    "--data-dir", data.toString(), "--http", "127.0.0.1:" + port, "--cluster", "127.0.0.1:" + clusterPort,
                    "--config", conf.toString()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            URI uri = URI.create("http://127.0.0.1:" + port);
            HttpClient http = HttpClient.newHttpClient();
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (true) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("gantry server exited: " + Files.readString(log));
                }
                try {
                    if (http.send(HttpRequest.newBuilder(uri.resolve("/v1/health")).build(),
                            HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                        break;
                    }
                } catch (IOException notYet) {
                    // still starting
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("gantry server did not come up: " + Files.readString(log));
                }
                Thread.sleep(100);
            }
            return new Server(p, uri, Files.readString(data.resolve("token")).trim());
        }

        long pid() {
            return process.pid();
        }

        HttpRequest.Builder request(String path) {
            return HttpRequest.newBuilder(uri.resolve(path)).timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + token);
        }

        void stop() throws InterruptedException {
            process.destroy(); // SIGTERM: coordinated shutdown
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /** The busybox image's files as a plain directory (for runc and podman). */
    static Path busyboxRootfs(Path dir, List<String> applets) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
        for (String a : applets) {
            Files.createSymbolicLink(bin.resolve(a), Path.of("busybox"));
        }
        Files.createDirectories(dir.resolve("etc"));
        Files.writeString(dir.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Files.writeString(dir.resolve("etc/group"), "root:x:0:\n");
        Files.createDirectories(dir.resolve("tmp"));
        return dir;
    }

    /**
     * An image of the host's static busybox with the given applets, built straight into the
     * image store of the node whose data directory is {@code data}: "already pulled".
     */
    static void buildBusyboxImage(Path data, ImageReference ref, ContainerConfig config, List<String> applets) throws IOException {
        LayerContent.Builder layer = LayerContent.builder().mtime(Instant.parse("2024-01-01T00:00:00Z"))
                .dir("bin").file("bin/busybox", Path.of("/bin/busybox"), 0755)
                .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n").file("etc/group", "root:x:0:\n").dir("tmp", 01777);
        for (String a : applets) {
            layer.symlink("bin/" + a, "busybox");
        }
        ImageStore store = ImageStore.open(ContentStore.open(data));
        ImageBuilder.create(store).platform(Platform.of("linux", "amd64")).layer(layer.build(), "COPY busybox /").config(config)
                .build(ref);
    }
}
