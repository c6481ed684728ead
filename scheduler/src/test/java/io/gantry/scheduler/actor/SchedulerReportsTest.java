package io.gantry.scheduler.actor;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.allocation.AllocationState;
import io.gantry.protocol.cluster.AgentReport;
import io.gantry.protocol.cluster.ImageLayersResolved;
import io.gantry.protocol.cluster.LayersChanged;
import io.gantry.protocol.cluster.NodeUsage;
import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.node.NodeResources;
import io.gantry.protocol.oci.Digest;
import io.gantry.scheduler.core.SchedulerHarness;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static io.gantry.scheduler.actor.SchedulerApiTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The agents' reports beside registration, through the singleton's proxy (Kryo on the wire):
 * {@link LayersChanged} and {@link ImageLayersResolved} make layer locality count in placement,
 * {@link NodeUsage} shows in {@code GET /v1/nodes/{id}}.
 *
 * <p>Two test agents: {@code small} (2 cpus, 2 GiB) and {@code big} (4 cpus, 4 GiB). Bin-pack
 * prefers the small one for a small job (it ends up fuller), so a job placed on {@code big}
 * got there because big holds its image.
 */
class SchedulerReportsTest {

    static final long GIB = 1L << 30;
    static final String IMAGE = "registry.local:5000/team/app:1";
    static final Digest BASE = Digest.sha256("base layer".getBytes(StandardCharsets.UTF_8));
    static final Digest APP = Digest.sha256("app layer".getBytes(StandardCharsets.UTF_8));

    @TempDir
    static Path dir;
    static ActorSystem<Void> system;
    static TestApi api;
    static ActorRef<AgentReport> reports;
    static final ConcurrentHashMap<AllocationId, AllocationState> small = new ConcurrentHashMap<>();
    static final ConcurrentHashMap<AllocationId, AllocationState> big = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        system = TestNodes.start(TestNodes.config(TestNodes.h2(dir.resolve("journal")), "scheduler,agent", Map.of()));
        ActorRef<Object> proxy = TestNodes.startScheduler(system);
        api = TestApi.serve(system, proxy);
        reports = SchedulerSingleton.reports(proxy);
        system.systemActorOf(TestAgent.create(SchedulerHarness.node("small", 2000, 2 * GIB), reports, small),
                "agent-small", Props.empty());
        system.systemActorOf(TestAgent.create(SchedulerHarness.node("big", 4000, 4 * GIB), reports, big),
                "agent-big", Props.empty());
        TestNodes.await(Duration.ofSeconds(20), "both agents to register",
                () -> json(api.get("/v1/nodes")).path("nodes").size() == 2);
    }

    @AfterAll
    static void stop() {
        TestNodes.terminate(system);
    }

    private static String nodeOf(String job) {
        TestNodes.await(Duration.ofSeconds(10), job + " running",
                () -> json(api.get("/v1/jobs/" + job)).path("status").asText().equals("running"));
        return json(api.get("/v1/jobs/" + job)).path("allocations").get(0).path("node").asText();
    }

    /**
     * A job of half the small node's cpu and memory. Both nodes have the same ratio, so either stays
     * balanced and bin-pack's fit prefers the one it fills more, small (0.90 against 0.85): more
     * than a node holding a sixteenth of the image adds (0.5 × 1/16), far less than one holding all.
     */
    private static void submit(String job) {
        assertEquals(201, api.post("/v1/jobs", "{\"id\":\"" + job + "\",\"image\":\"" + IMAGE + "\","
                + "\"resources\":{\"cpuMillis\":1000,\"memoryBytes\":" + GIB + "}}").statusCode());
    }

    @Test
    void aJobGoesToTheNodeThatHoldsItsImageOnceTheAgentsSaidSo() {
        // before any report: bin-pack alone chooses the small node
        submit("before");
        assertEquals("small", nodeOf("before"));
        assertEquals(200, api.delete("/v1/jobs/before").statusCode());
        TestNodes.await(Duration.ofSeconds(10), "before stopped",
                () -> json(api.get("/v1/nodes/small")).path("node").path("allocations").asInt() == 0);

        Instant now = Instant.now();
        reports.tell(new ImageLayersResolved(NodeId.of("big"), IMAGE, List.of(
                new ImageLayersResolved.Layer(BASE, 30_000_000), new ImageLayersResolved.Layer(APP, 2_000_000)), now));
        reports.tell(new LayersChanged(NodeId.of("big"), Set.of(BASE, APP), Set.of(), now));
        TestNodes.await(Duration.ofSeconds(10), "big to hold two layers",
                () -> json(api.get("/v1/nodes/big")).path("node").path("layers").asInt() == 2);

        submit("after");
        assertEquals("big", nodeOf("after"), "locality outweighs the better fit of the small node");
        assertEquals(200, api.delete("/v1/jobs/after").statusCode());

        // and when big drops the large layer, the small node's fit wins again
        reports.tell(new LayersChanged(NodeId.of("big"), Set.of(), Set.of(BASE), Instant.now()));
        TestNodes.await(Duration.ofSeconds(10), "big to hold one layer and nothing running",
                () -> json(api.get("/v1/nodes/big")).path("node").path("layers").asInt() == 1
                        && json(api.get("/v1/nodes/big")).path("node").path("allocations").asInt() == 0);
        submit("later");
        assertEquals("small", nodeOf("later"));
        assertEquals(200, api.delete("/v1/jobs/later").statusCode());
    }

    @Test
    void theLatestUsageReportShowsInTheNodesApi() {
        reports.tell(new NodeUsage(NodeId.of("small"), new NodeResources(250, 64L << 20), 1, Instant.now()));
        Instant at = Instant.parse("2026-03-04T05:06:07Z");
        reports.tell(new NodeUsage(NodeId.of("small"), new NodeResources(1250, 96L << 20), 3, at));
        TestNodes.await(Duration.ofSeconds(10), "the second usage report",
                () -> json(api.get("/v1/nodes/small")).path("node").path("usage").path("runningAllocations").asInt() == 3);
        JsonNode usage = json(api.get("/v1/nodes/small")).path("node").path("usage");
        assertEquals(1250, usage.path("cpuMillis").asLong());
        assertEquals(96L << 20, usage.path("memoryBytes").asLong());
        assertEquals(at.toString(), usage.path("at").asText());
        JsonNode listed = json(api.get("/v1/nodes")).path("nodes");
        for (JsonNode n : listed) {
            if (n.path("id").asText().equals("small")) {
                assertEquals(3, n.path("usage").path("runningAllocations").asInt());
            }
        }
    }
}
