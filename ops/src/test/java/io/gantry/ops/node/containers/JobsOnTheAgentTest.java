package io.gantry.ops.node.containers;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.scheduler.api.ApiJson;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole path on one all-in-one node: a job submitted over REST is placed by the scheduler
 * singleton on the node's agent (which registered by itself), its allocations pull the image from
 * a real docker-registry and run with runc, their logs come through the scheduler's allocation
 * API from the agent, and stopping the job stops the containers.
 */
class JobsOnTheAgentTest {

    @TempDir
    static Path dir;
    static ContainerFixtures f;

    @BeforeAll
    static void start() throws Exception {
        f = new ContainerFixtures(dir);
    }

    @AfterAll
    static void stop() {
        if (f != null) {
            f.close();
        }
    }

    private static JsonNode get(String path) throws Exception {
        HttpResponse<String> r = f.call("GET", path, null);
        assertEquals(200, r.statusCode(), path + " -> " + r.body());
        return ApiJson.MAPPER.readTree(r.body());
    }

    private static JsonNode await(String path, Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        JsonNode n = get(path);
        while (!done.test(n)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(path + " did not get there: " + n.toPrettyString());
            }
            Thread.sleep(100);
            n = get(path);
        }
        return n;
    }

    @Test
    void aJobRunsOnTheAgentAndStops() throws Exception {
        JsonNode node = await("/v1/nodes", n -> n.path("nodes").size() == 1 || n.size() == 1);
        HttpResponse<String> submitted = f.call("POST", "/v1/jobs", "{\"id\":\"web\",\"image\":\"" + f.image + "\","
                + "\"command\":[\"sh\",\"-c\",\"echo serving $GREETING; trap 'exit 0' TERM; while true; do usleep 100000; done\"],"
                + "\"count\":2,\"network\":\"none\",\"resources\":{\"cpuMillis\":100,\"memoryBytes\":33554432},\"stopTimeout\":\"5s\"}");
        assertEquals(201, submitted.statusCode(), submitted.body());
        JsonNode job = await("/v1/jobs/web", j -> j.path("running").asInt() == 2);
        List<String> allocations = new ArrayList<>();
        job.path("allocations").forEach(a -> {
            if (a.path("state").asText().equals("running")) {
                allocations.add(a.path("id").asText());
            }
        });
        assertEquals(2, allocations.size(), job.toPrettyString());

        JsonNode containers = get("/v1/containers");
        List<String> onNode = new ArrayList<>();
        containers.path("containers").forEach(c -> onNode.add(c.path("allocationId").asText()));
        assertTrue(onNode.containsAll(allocations), "the agent runs them: " + containers.toPrettyString() + " " + node);

        String alloc = allocations.get(0);
        JsonNode logs = await("/v1/containers/" + alloc, c -> c.path("state").asText().equals("running"));
        long until = System.nanoTime() + 10_000_000_000L;
        String body = "";
        while (!body.contains("serving hello") && System.nanoTime() < until) {
            Thread.sleep(100);
            body = f.call("GET", "/v1/allocations/" + alloc + "/logs", null).body();
        }
        assertTrue(body.contains("serving hello"), "logs through the scheduler from the agent: " + body + " " + logs);

        assertEquals(200, f.call("DELETE", "/v1/jobs/web", null).statusCode());
        for (String a : allocations) {
            JsonNode c = await("/v1/containers/" + a, v -> v.path("state").asText().equals("exited"));
            assertEquals(0, c.path("exitCode").asInt(), c.toPrettyString());
            assertTrue(c.path("stopRequested").asBoolean());
        }
        await("/v1/jobs/web", j -> {
            for (JsonNode a : j.path("allocations")) {
                if (!a.path("state").asText().equals("stopped")) {
                    return false;
                }
            }
            return true;
        });
    }
}
