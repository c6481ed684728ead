package io.gantry.scheduler.actor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.allocation.AllocationState;
import io.gantry.protocol.node.NodeInfo;
import io.gantry.scheduler.core.SchedulerHarness;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scheduler's REST API over real HTTP, one node with the singleton and a test agent: a job
 * goes from POST to running on the agent, scales, stops; allocations and nodes read back;
 * {@code /v1/events} streams the changes; {@code /metrics} counts them.
 */
class SchedulerApiTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final long GIB = 1L << 30;

    @TempDir
    static Path dir;
    static ActorSystem<Void> system;
    static TestApi api;
    static final ConcurrentHashMap<AllocationId, AllocationState> agentHolds = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        system = TestNodes.start(TestNodes.config(TestNodes.h2(dir.resolve("journal")), "scheduler,agent", Map.of()));
        ActorRef<Object> proxy = TestNodes.startScheduler(system);
        api = TestApi.serve(system, proxy);
        NodeInfo node = SchedulerHarness.node("node-1", 4000, 8 * GIB);
        system.systemActorOf(TestAgent.create(node, SchedulerSingleton.reports(proxy), agentHolds), "agent",
                Props.empty());
        TestNodes.await(Duration.ofSeconds(20), "the agent to register",
                () -> json(api.get("/v1/nodes")).path("nodes").size() == 1);
    }

    @AfterAll
    static void stop() {
        TestNodes.terminate(system);
    }

    @Test
    void aJobGoesFromSubmissionToRunningOnTheAgentAndIsManagedOverRest() throws Exception {
        HttpResponse<String> created = api.post("/v1/jobs",
                "{\"id\":\"web\",\"image\":\"busybox:1.36\",\"count\":2,\"resources\":{\"cpuMillis\":500,\"memoryBytes\":268435456}}");
        assertEquals(201, created.statusCode(), created.body());
        assertEquals("/v1/jobs/web", created.headers().firstValue("Location").orElseThrow());
        JsonNode accepted = json(created);
        assertEquals(1, accepted.path("version").asInt());
        assertTrue(accepted.path("created").asBoolean());

        TestNodes.await(Duration.ofSeconds(10), "web running",
                () -> json(api.get("/v1/jobs/web")).path("status").asText().equals("running"));
        JsonNode job = json(api.get("/v1/jobs/web"));
        assertEquals(2, job.path("running").asInt());
        assertEquals("busybox:1.36", job.path("spec").path("image").asText());
        assertEquals(2, job.path("allocations").size());
        for (JsonNode a : job.path("allocations")) {
            assertEquals("node-1", a.path("node").asText());
            assertEquals("running", a.path("state").asText());
            assertEquals(AllocationState.RUNNING, agentHolds.get(AllocationId.of(a.path("id").asText())));
        }
        assertTrue(job.path("placementFailure").isMissingNode(), job.toString());

        // the same spec again: nothing changes
        HttpResponse<String> again = api.post("/v1/jobs",
                "{\"id\":\"web\",\"image\":\"busybox:1.36\",\"count\":2,\"resources\":{\"cpuMillis\":500,\"memoryBytes\":268435456}}");
        assertEquals(200, again.statusCode());
        assertEquals(1, json(again).path("version").asInt());

        String allocationId = job.path("allocations").get(0).path("id").asText();
        JsonNode allocation = json(api.get("/v1/allocations/" + allocationId));
        assertEquals("web", allocation.path("jobId").asText());
        assertEquals("http://node-1:7070", allocation.path("nodeAddress").asText());
        HttpResponse<String> logs = api.get("/v1/allocations/" + allocationId + "/logs?tail=10");
        assertEquals(501, logs.statusCode(), logs.body());
        assertTrue(json(logs).path("detail").asText().contains("node agent"), logs.body());

        JsonNode scaled = json(api.post("/v1/jobs/web/scale", "{\"count\":1}"));
        assertEquals(2, scaled.path("version").asInt());
        TestNodes.await(Duration.ofSeconds(10), "web scaled to 1",
                () -> agentHolds.values().stream().filter(s -> s == AllocationState.RUNNING).count() == 1);

        JsonNode node = json(api.get("/v1/nodes/node-1"));
        assertEquals("ready", node.path("node").path("status").asText());
        assertEquals(500, node.path("node").path("reserved").path("cpuMillis").asInt());
        assertEquals(1, node.path("allocations").size());

        assertEquals(200, api.delete("/v1/jobs/web").statusCode());
        TestNodes.await(Duration.ofSeconds(10), "web stopped",
                () -> json(api.get("/v1/jobs/web")).path("status").asText().equals("stopped")
                        && agentHolds.values().stream().noneMatch(s -> s == AllocationState.RUNNING));
        assertTrue(json(api.get("/v1/jobs")).path("jobs").findValuesAsText("id").contains("web"));
    }

    @Test
    void aJobNoNodeCanHoldIsAcceptedAndSaysWhyItIsPending() throws Exception {
        assertEquals(201, api.post("/v1/jobs",
                "{\"id\":\"huge\",\"image\":\"busybox\",\"resources\":{\"memoryBytes\":1099511627776}}").statusCode());
        JsonNode job = json(api.get("/v1/jobs/huge"));
        assertEquals("pending", job.path("status").asText());
        assertEquals(1, job.path("placementFailure").path("unplaced").asInt());
        assertTrue(job.path("placementFailure").path("reasons").asText().contains("insufficient memory"), job.toString());
        assertEquals(200, api.delete("/v1/jobs/huge").statusCode());
    }

    @Test
    void eventsStreamTheChangesOfAJob() throws Exception {
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        HttpRequest request = HttpRequest.newBuilder(api.base.resolve("/v1/events?job=events-demo"))
                .header("Authorization", "Bearer " + TestApi.TOKEN).GET().build();
        CompletableFuture<HttpResponse<Stream<String>>> stream =
                api.http().sendAsync(request, HttpResponse.BodyHandlers.ofLines());
        HttpResponse<Stream<String>> response = stream.get(10, TimeUnit.SECONDS);
        assertEquals(200, response.statusCode());
        assertEquals("text/event-stream", response.headers().firstValue("Content-Type").orElse(""));
        Thread reader = new Thread(() -> {
            try {
                response.body().forEach(l -> lines.add(l.replaceFirst("^(event|data|id):\\s?", "$1: ")));
            } catch (java.io.UncheckedIOException closed) {
                // the test closed the stream
            }
        }, "sse-reader");
        reader.setDaemon(true);
        reader.start();
        // The subscription reaches the topic asynchronously: submit until a change arrives.
        String event = null;
        for (int attempt = 0; attempt < 20 && event == null; attempt++) {
            api.post("/v1/jobs", "{\"id\":\"events-demo\",\"image\":\"busybox\",\"count\":" + (attempt % 3 + 1) + "}");
            event = lines.poll(500, TimeUnit.MILLISECONDS);
        }
        assertNotNull(event, "no event within 10 s");
        List<String> seen = new java.util.ArrayList<>();
        seen.add(event);
        String line;
        while ((line = lines.poll(2, TimeUnit.SECONDS)) != null) {
            seen.add(line);
            if (seen.stream().anyMatch(s -> s.equals("event: allocation.running"))) {
                break;
            }
        }
        assertTrue(seen.stream().anyMatch(s -> s.startsWith("event: job.")), seen.toString());
        assertTrue(seen.stream().anyMatch(s -> s.equals("event: allocation.running")), seen.toString());
        String data = seen.stream().filter(s -> s.startsWith("data: ")).findFirst().orElseThrow();
        JsonNode change = JSON.readTree(data.substring(6));
        assertEquals("events-demo", change.path("job").asText());
        assertFalse(seen.stream().anyMatch(s -> s.contains("\"job\":\"web\"")), "filtered by job");
        response.body().close();
        assertEquals(200, api.delete("/v1/jobs/events-demo").statusCode());
    }

    @Test
    void metricsArePrometheusText() throws Exception {
        assertEquals(201, api.post("/v1/jobs", "{\"id\":\"metered\",\"image\":\"busybox\"}").statusCode());
        TestNodes.await(Duration.ofSeconds(10), "metered running",
                () -> json(api.get("/v1/jobs/metered")).path("status").asText().equals("running"));
        HttpResponse<String> r = api.get("/metrics");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), r.headers().toString());
        String text = r.body();
        assertTrue(text.contains("# TYPE gantry_jobs gauge"), text);
        assertTrue(text.matches("(?s).*gantry_jobs\\{status=\"running\"} [1-9].*"), text);
        assertTrue(text.contains("gantry_nodes{status=\"ready\"} 1"), text);
        assertTrue(text.matches("(?s).*gantry_placements_total [1-9].*"), text);
        assertTrue(text.contains("gantry_placement_latency_seconds_bucket{le=\"+Inf\"}"), text);
        assertTrue(text.contains("gantry_journal_write_latency_seconds_count"), text);
        assertTrue(text.contains("gantry_scheduler_epoch 1"), text);
        assertEquals(200, api.delete("/v1/jobs/metered").statusCode());
    }

    static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + r.body(), e);
        }
    }
}
