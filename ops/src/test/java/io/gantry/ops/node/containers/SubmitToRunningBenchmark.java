package io.gantry.ops.node.containers;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.agent.posix.FileTrees;
import io.gantry.agent.testing.StartBench;
import io.gantry.protocol.oci.ContainerConfig;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.scheduler.api.ApiJson;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * End to end on one all-in-one node ({@code gantry server --roles scheduler,agent} in its own JVM,
 * the launcher's JVM flags) with a warm image: from {@code POST /v1/jobs} of a one-allocation job
 * to the moment {@code GET /v1/jobs/{id}} first reports that allocation {@code running} (polled
 * every 2 ms on one kept-alive connection, so a sample is late by at most the poll interval plus
 * one GET). Each job is stopped ({@code DELETE /v1/jobs/{id}}), its container awaited to exit and
 * removed, all outside the timing, before the next round. Prints median, p95, min and mean, the
 * share of that spent until the submit was acknowledged, and the server's peak RSS; the
 * reference is podman run (about 135 ms here) and the target a median of at most 100 ms.
 * Reports numbers, never pass/fail.
 *
 * <p>Run it with {@code ops/bench/submit-to-running [JOBS] [WORK_DIR]}. Needs root, runc and
 * busybox-static.
 */
public final class SubmitToRunningBenchmark {

    private static final List<String> APPLETS = List.of("sh", "true", "sleep", "usleep");
    private static final long POLL_NANOS = 2_000_000L;
    private static final int ROW_WIDTH = 52;

    public static void main(String[] args) throws Exception {
        int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        Path work = Path.of(args.length > 1 ? args[1] : "/var/tmp/gantry-submit-bench").toAbsolutePath();
        int warmup = 5;
        if (!mountsUnder(work).isEmpty()) {
            throw new IllegalStateException("something is still mounted under " + work + " (" + mountsUnder(work)
                    + "): unmount it or pick another work directory");
        }
        FileTrees.deleteTree(work);
        Files.createDirectories(work);

        Path data = work.resolve("node");
        ImageReference ref = ImageReference.parse("localhost/bench/sleep:1");
        StartApiBenchmark.buildBusyboxImage(data, ref,
                ContainerConfig.builder().env(List.of("PATH=/bin")).cmd(List.of("/bin/sh")).build(), APPLETS);

        StartApiBenchmark.Server server = StartApiBenchmark.Server.start(data, work.resolve("server.log"), "scheduler,agent");
        // podman run of the same files, one per round next to each job: the reference under the same load
        StartBench.Mode podman = null;
        java.util.Optional<Path> podmanBinary = io.gantry.agent.runtime.OciRuntimeBinary.findOnPath("podman");
        if (podmanBinary.isPresent()) {
            podman = StartBench.podman(podmanBinary.get(), StartApiBenchmark.busyboxRootfs(work.resolve("rootfs"), APPLETS), work,
                    StartApiBenchmark.PODMAN_IMAGE);
        } else {
            System.out.println("podman: not installed, no reference in this run");
        }
        long[] podmanRuns = new long[jobs];
        long[] running = new long[jobs];
        long[] acked = new long[jobs];
        long pid = server.pid();
        String hwm;
        try (StartApiBenchmark.RawHttp http = new StartApiBenchmark.RawHttp(server.uri(), server.token())) {
            // the agent registers with the scheduler by itself: wait for the node before timing
            await(http, "/v1/nodes", n -> n.path("nodes").size() >= 1 || (n.isArray() && n.size() >= 1), 60_000);
            for (int i = 0; i < warmup + jobs; i++) {
                String id = "bench-" + i;
                byte[] body = ApiJson.bytes(Map.of("id", id, "image", ref.toString(),
                        // a shell that ends at once on SIGTERM (as PID 1 it ignores signals it has no trap for)
                        "command", List.of("/bin/sh", "-c", "trap 'exit 0' TERM; while true; do usleep 20000; done"),
                        "count", 1, "network", "none", "restart", "no", "stopTimeout", "5s",
                        "resources", Map.of("cpuMillis", 100, "memoryBytes", 33554432)));
                long t0 = System.nanoTime();
                StartApiBenchmark.RawHttp.Response r = http.post("/v1/jobs", body);
                long tAck = System.nanoTime() - t0;
                if (r.status() != 201) {
                    throw new IllegalStateException("submit " + id + ": " + r.status() + " " + new String(r.body()));
                }
                JsonNode job;
                while (true) {
                    job = getJson(http, "/v1/jobs/" + id);
                    if (allocationsIn(job, "running") == 1) {
                        break;
                    }
                    if (System.nanoTime() - t0 > 60_000_000_000L || allocationsIn(job, "failed") > 0) {
                        throw new IllegalStateException(id + " did not get to running: " + job.toPrettyString());
                    }
                    long next = System.nanoTime() + POLL_NANOS;
                    while (System.nanoTime() < next) {
                        Thread.onSpinWait();
                    }
                }
                long tRunning = System.nanoTime() - t0;
                if (i >= warmup) {
                    running[i - warmup] = tRunning;
                    acked[i - warmup] = tAck;
                }
                String allocation = runningAllocation(job);
                stopAndRemove(http, id, allocation);
                if (podman != null) {
                    long p = podman.run(i);
                    if (i >= warmup) {
                        podmanRuns[i - warmup] = p;
                    }
                }
            }
            JsonNode left = getJson(http, "/v1/containers");
            if (left.path("containers").size() != 0) {
                System.out.println("containers left on the node (removing): " + left);
                for (JsonNode c : left.path("containers")) {
                    http.send("DELETE", "/v1/containers/" + c.path("id").asText(), new byte[0]);
                }
            }
        } finally {
            if (podman != null) {
                podman.close();
            }
            hwm = StartBench.status("VmHWM", Path.of("/proc", Long.toString(pid), "status"));
            server.stop();
            for (String m : mountsUnder(work)) {
                System.out.println("unmounting what the node left: " + m);
                new ProcessBuilder("umount", "-l", m).inheritIO().start().waitFor();
            }
        }
        FileTrees.deleteTree(work);

        long[] s = running.clone();
        Arrays.sort(s);
        long[] a = acked.clone();
        Arrays.sort(a);
        System.out.printf(Locale.ROOT, "%nall-in-one node, warm image: POST /v1/jobs -> allocation reported running"
                + " (GET /v1/jobs/{id} polled every 2 ms), %d jobs after %d warm-up%n", jobs, warmup);
        StartBench.printHeader(ROW_WIDTH);
        row("submit -> running", s);
        row("  of which: submit -> 201 acknowledged", a);
        if (podman != null) {
            long[] p = podmanRuns.clone();
            Arrays.sort(p);
            row("reference: " + podman.name(), p);
        }
        System.out.printf(Locale.ROOT, "reference: podman run ~ 135 ms here (see README-bench); target: median <= 100 ms -> median %.1f ms%n",
                StartBench.ms(StartBench.percentile(s, 50)));
        System.out.printf(Locale.ROOT, "gantry server JVM (scheduler,agent): peak RSS (VmHWM) %s%n", hwm);
    }

    private static void row(String name, long[] sorted) {
        StartBench.printRow(name, sorted, ROW_WIDTH);
    }

    /** Stops the job, waits for its container to exit and for the allocation to be stopped, removes the container. */
    private static void stopAndRemove(StartApiBenchmark.RawHttp http, String id, String allocation) throws Exception {
        StartApiBenchmark.RawHttp.Response d = http.send("DELETE", "/v1/jobs/" + id, new byte[0]);
        if (d.status() != 200) {
            throw new IllegalStateException("stop " + id + ": " + d.status() + " " + new String(d.body()));
        }
        await(http, "/v1/containers/" + allocation, c -> c.path("state").asText().equals("exited"), 30_000);
        await(http, "/v1/jobs/" + id, j -> allocationsIn(j, "stopped") == j.path("allocations").size(), 30_000);
        StartApiBenchmark.RawHttp.Response rm = http.send("DELETE", "/v1/containers/" + allocation, new byte[0]);
        if (rm.status() != 200 && rm.status() != 404) {
            throw new IllegalStateException("remove container " + allocation + ": " + rm.status() + " " + new String(rm.body()));
        }
    }

    private static int allocationsIn(JsonNode job, String state) {
        int n = 0;
        for (JsonNode a : job.path("allocations")) {
            if (a.path("state").asText().equals(state)) {
                n++;
            }
        }
        return n;
    }

    private static String runningAllocation(JsonNode job) {
        for (JsonNode a : job.path("allocations")) {
            if (a.path("state").asText().equals("running")) {
                return a.path("id").asText();
            }
        }
        throw new IllegalStateException("no running allocation: " + job);
    }

    private static JsonNode getJson(StartApiBenchmark.RawHttp http, String path) throws Exception {
        StartApiBenchmark.RawHttp.Response r = http.get(path);
        if (r.status() != 200) {
            throw new IllegalStateException("GET " + path + ": " + r.status() + " " + new String(r.body()));
        }
        return ApiJson.MAPPER.readTree(r.body());
    }

    private static JsonNode await(StartApiBenchmark.RawHttp http, String path, Predicate<JsonNode> done, long millis)
            throws Exception {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        JsonNode n = getJson(http, path);
        while (!done.test(n)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(path + " did not get there: " + n.toPrettyString());
            }
            Thread.sleep(5);
            n = getJson(http, path);
        }
        return n;
    }

    private static List<String> mountsUnder(Path work) throws java.io.IOException {
        List<String> found = new ArrayList<>();
        for (String m : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String point = m.split(" ")[4];
            if (point.startsWith(work.toString())) {
                found.add(point);
            }
        }
        // deepest first, so that nested mounts come off before their parents
        found.sort((x, y) -> y.length() - x.length());
        return found;
    }
}
