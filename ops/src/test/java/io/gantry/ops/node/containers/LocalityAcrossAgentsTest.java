package io.gantry.ops.node.containers;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.layercache.content.ContentStore;
import io.gantry.layercache.distribution.PushProgress;
import io.gantry.layercache.distribution.RegistryClient;
import io.gantry.layercache.distribution.RegistryOptions;
import io.gantry.layercache.image.ImageStore;
import io.gantry.layercache.testing.LocalRegistry;
import io.gantry.ops.server.GantryConfig;
import io.gantry.ops.server.GantryServer;
import io.gantry.ops.server.TestServers;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.scheduler.api.ApiJson;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Layer locality end to end, on two real nodes in one cluster: node {@code a} (scheduler and
 * agent; 2 cpus, 2 GiB) and node {@code b} (agent only; 4 cpus, 4 GiB), runc, a real
 * docker-registry. For a small job bin-pack prefers {@code a}, which it ends up fuller. Once
 * {@code b} has pulled an image for one job, its agent has told the scheduler the blobs it holds
 * (LayersChanged) and what the image is made of (ImageLayersResolved), and the next job of that
 * image goes to {@code b}. {@code b} also reports what its containers use, read from their
 * cgroups, and {@code GET /v1/nodes/b} shows it.
 */
class LocalityAcrossAgentsTest {

    /** Half of a: the same shape on both nodes, so bin-pack's balance ties and fullness picks a. */
    static final String JOB_RESOURCES = "\"network\":\"none\",\"stopTimeout\":\"2s\","
            + "\"resources\":{\"cpuMillis\":1000,\"memoryBytes\":1073741824}";
    static final String SERVE = "\"command\":[\"sh\",\"-c\",\"trap 'exit 0' TERM; while true; do usleep 100000; done\"]";

    @TempDir
    Path dir;

    private LocalRegistry registry;
    private final List<Node> nodes = new ArrayList<>();

    /** One server and a client for its API. */
    private record Node(String name, GantryServer server) {
        HttpResponse<String> call(String method, String path, String body) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.httpUri() + path))
                    .timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Bearer " + server.token())
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body));
            if (body != null) {
                b.header("Content-Type", "application/json");
            }
            return ContainerFixtures.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }

        JsonNode get(String path) throws Exception {
            HttpResponse<String> r = call("GET", path, null);
            assertEquals(200, r.statusCode(), name + " GET " + path + " -> " + r.body());
            return ApiJson.MAPPER.readTree(r.body());
        }

        JsonNode await(String path, Predicate<JsonNode> done) throws Exception {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            JsonNode n = get(path);
            while (!done.test(n)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(name + " " + path + " did not get there: " + n.toPrettyString());
                }
                Thread.sleep(100);
                n = get(path);
            }
            return n;
        }

        void removeContainers() throws Exception {
            for (JsonNode c : get("/v1/containers?all=true").path("containers")) {
                call("DELETE", "/v1/containers/" + c.path("id").asText() + "?force=true", null);
            }
        }
    }

    private Node start(String name, List<String> roles, String extra) throws Exception {
        Path data = Files.createDirectories(dir.resolve(name));
        GantryServer server = GantryServer.start(GantryConfig.load(TestServers.flags(data, """
                gantry.http.shutdown-deadline = 200ms
                gantry.agent.cgroup-parent = gantry-test
                gantry.agent.node-id = %s
                gantry.agent.labels.host = %s
                gantry.agent.usage-interval = 500ms
                gantry.images.snapshotter = auto
                """.formatted(name, name) + extra).withRoles(roles)));
        Node node = new Node(name, server);
        nodes.add(node);
        return node;
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (!nodes.isEmpty()) {
                Node scheduler = nodes.get(0);
                for (JsonNode j : scheduler.get("/v1/jobs").path("jobs")) {
                    scheduler.call("DELETE", "/v1/jobs/" + j.path("id").asText(), null);
                }
            }
            for (Node n : nodes) {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                do {
                    n.removeContainers();
                    Thread.sleep(200);
                } while (n.get("/v1/containers?all=true").path("containers").size() > 0 && System.nanoTime() < deadline);
            }
        } finally {
            for (int i = nodes.size() - 1; i >= 0; i--) {
                nodes.get(i).server().close();
            }
            ContainerFixtures.unmountUnder(dir.toAbsolutePath());
            if (registry != null) {
                registry.close();
            }
        }
    }

    /** Submits a job of one allocation; returns the node its first allocation (not a replacement) was placed on. */
    private static String placed(Node scheduler, String id, String spec) throws Exception {
        HttpResponse<String> r = scheduler.call("POST", "/v1/jobs", spec);
        assertEquals(201, r.statusCode(), r.body());
        JsonNode job = scheduler.await("/v1/jobs/" + id, j -> first(j) != null && !first(j).path("node").asText().isEmpty());
        return first(job).path("node").asText();
    }

    private static JsonNode first(JsonNode job) {
        for (JsonNode a : job.path("allocations")) {
            if (a.path("replaces").isMissingNode() || a.path("replaces").isNull()) {
                return a;
            }
        }
        return null;
    }

    /** Stops the job and waits until no allocation of any job holds resources on {@code node}. */
    private static void stopJob(Node scheduler, String id, String node) throws Exception {
        assertEquals(200, scheduler.call("DELETE", "/v1/jobs/" + id, null).statusCode());
        scheduler.await("/v1/nodes/" + node, n -> n.path("node").path("allocations").asInt() == 0);
    }

    @Test
    void aJobGoesToTheAgentThatPulledItsImageThoughTheOtherFitsBetter() throws Exception {
        ContainerFixtures.assumeContainersRun();
        registry = LocalRegistry.start(dir.resolve("registry"));
        ImageReference image = ImageReference.parse(registry.hostPort() + "/app:1");
        ImageStore build = ImageStore.open(ContentStore.open(dir.resolve("build")));
        ContainerFixtures.buildImage(build, image);
        try (RegistryClient client = new RegistryClient(build, RegistryOptions.defaults().withPlainHttp(true))) {
            client.push(image, image, PushProgress.NONE);
        }

        Node a = start("a", List.of("scheduler", "agent"), """
                gantry.agent.capacity { cpu = 2000, memory = 2 GiB }
                """);
        String seed = Cluster.get(a.server().system()).selfMember().address().toString();
        start("b", List.of("agent"), """
                gantry.agent.capacity { cpu = 4000, memory = 4 GiB }
                gantry.cluster.seed-nodes = ["%s"]
                """.formatted(seed));
        a.await("/v1/nodes", n -> n.path("nodes").size() == 2);

        // 1. nobody holds the image and the scheduler knows nothing of it: bin-pack picks a
        // (its image does not exist, so a pulls nothing; the allocation just fails there)
        String control = "{\"id\":\"control\",\"image\":\"" + registry.hostPort() + "/missing:1\"," + JOB_RESOURCES + "}";
        assertEquals("a", placed(a, "control", control), "the better fit without locality");
        stopJob(a, "control", "a");

        // 2. a job pinned to b: b pulls the image and tells the scheduler
        String warm = "{\"id\":\"warm\",\"image\":\"" + image + "\"," + SERVE + "," + JOB_RESOURCES + ","
                + "\"constraints\":[{\"label\":\"host\",\"operator\":\"=\",\"value\":\"b\"}]}";
        assertEquals("b", placed(a, "warm", warm));
        a.await("/v1/jobs/warm", j -> j.path("running").asInt() == 1);
        JsonNode blobsOfB = nodes.get(1).get("/v1/images");
        JsonNode b = a.await("/v1/nodes/b", n -> n.path("node").path("layers").asInt() == 3);
        assertEquals(0, a.get("/v1/nodes/a").path("node").path("layers").asInt(), "a pulled nothing");

        // usage measured from the running container's cgroups
        JsonNode usage = a.await("/v1/nodes/b", n -> n.path("node").path("usage").path("runningAllocations").asInt() == 1)
                .path("node").path("usage");
        assertTrue(usage.path("memoryBytes").asLong() > 0, "the container's memory cgroup: " + usage);
        stopJob(a, "warm", "b");

        // 3. the same image, no constraint: b, because it holds every layer
        String web = "{\"id\":\"web\",\"image\":\"" + image + "\"," + SERVE + "," + JOB_RESOURCES + "}";
        assertEquals("b", placed(a, "web", web), "layer locality: " + b + " " + blobsOfB);
        a.await("/v1/jobs/web", j -> j.path("running").asInt() == 1);
    }
}
