package io.gantry.scheduler.actor;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.allocation.AllocationState;
import io.gantry.scheduler.core.SchedulerHarness;
import io.gantry.scheduler.persistence.JournalSettings;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three ActorSystems in this JVM forming a cluster that shares one H2 journal: node A has the
 * scheduler role only and hosts the singleton (it is the oldest), B has the scheduler and agent
 * roles and serves the REST API, C is an agent. Jobs go in over REST on B (so every ask crosses
 * the network to the singleton and back), test agents on B and C run them. A node is then killed
 * without leaving: the failure detector and the Split Brain Resolver take it out, and the cluster
 * converges again.
 */
class SchedulerClusterTest {

    static final long GIB = 1L << 30;

    @TempDir
    Path dir;
    private final List<ActorSystem<Void>> systems = new ArrayList<>();

    @AfterEach
    void stopAll() {
        systems.forEach(s -> {
            if (s.whenTerminated().isCompleted() == false) {
                TestNodes.terminate(s);
            }
        });
    }

    record Cluster3(ActorSystem<Void> a, ActorSystem<Void> b, ActorSystem<Void> c, TestApi api,
                    ConcurrentHashMap<AllocationId, AllocationState> onB,
                    ConcurrentHashMap<AllocationId, AllocationState> onC) {
    }

    private Cluster3 start() throws Exception {
        JournalSettings journal = TestNodes.h2(dir.resolve("journal"));
        // A is killed in one test: it must not leave the cluster gracefully when it stops.
        ActorSystem<Void> a = node(journal, "scheduler", Map.of(
                "pekko.coordinated-shutdown.run-by-actor-system-terminate", "off"));
        Cluster.get(a).manager().tell(Join.create(Cluster.get(a).selfMember().address()));
        TestNodes.awaitUp(a);
        ActorSystem<Void> b = node(journal, "scheduler,agent", Map.of());
        ActorSystem<Void> c = node(journal, "agent", Map.of(
                "pekko.coordinated-shutdown.run-by-actor-system-terminate", "off"));
        for (ActorSystem<Void> s : List.of(b, c)) {
            Cluster.get(s).manager().tell(Join.create(Cluster.get(a).selfMember().address()));
        }
        TestNodes.await(Duration.ofSeconds(30), "three members up", () -> systems.stream().allMatch(s ->
                StreamSupport.stream(Cluster.get(s).state().getMembers().spliterator(), false)
                        .filter(m -> m.status() == MemberStatus.up()).count() == 3));
        // (ActorSystems of one name are equal as map keys: their guardians' local paths are equal)
        Map<ActorSystem<Void>, ActorRef<Object>> proxies = new java.util.IdentityHashMap<>();
        for (ActorSystem<Void> s : systems) {
            proxies.put(s, SchedulerSingleton.init(s, SchedulerSettings.from(s.settings().config()), Clock.systemUTC()));
        }
        TestApi api = TestApi.serve(b, proxies.get(b));
        ConcurrentHashMap<AllocationId, AllocationState> onB = new ConcurrentHashMap<>();
        ConcurrentHashMap<AllocationId, AllocationState> onC = new ConcurrentHashMap<>();
        b.systemActorOf(TestAgent.create(SchedulerHarness.node("node-b", 4000, 8 * GIB),
                SchedulerSingleton.reports(proxies.get(b)), onB), "agent", Props.empty());
        c.systemActorOf(TestAgent.create(SchedulerHarness.node("node-c", 4000, 8 * GIB),
                SchedulerSingleton.reports(proxies.get(c)), onC), "agent", Props.empty());
        TestNodes.await(Duration.ofSeconds(30), "both agents registered",
                () -> SchedulerApiTest.json(api.get("/v1/nodes")).path("nodes").size() == 2);
        return new Cluster3(a, b, c, api, onB, onC);
    }

    private ActorSystem<Void> node(JournalSettings journal, String roles, Map<String, ?> overrides) {
        ActorSystem<Void> s = TestNodes.start(TestNodes.config(journal, roles, overrides));
        systems.add(s);
        return s;
    }

    @Test
    void theSingletonMovesWhenItsNodeIsKilledAndNoAcknowledgedJobIsLost() throws Exception {
        Cluster3 c = start();
        assertEquals(201, c.api().post("/v1/jobs",
                "{\"id\":\"web\",\"image\":\"busybox\",\"count\":4,\"placement\":\"spread\"}").statusCode());
        assertEquals(201, c.api().post("/v1/jobs", "{\"id\":\"idle\",\"image\":\"busybox\",\"count\":0}").statusCode());
        awaitRunning(c, "web", 4);
        Set<String> before = allocationIds(c, "web");
        assertEquals(1, epoch(c));

        TestNodes.terminate(c.a()); // abruptly: it does not leave the cluster

        TestNodes.await(Duration.ofSeconds(60), "a new scheduler incarnation", () -> {
            var r = c.api().get("/metrics");
            return r.statusCode() == 200 && r.body().contains("gantry_scheduler_epoch 2");
        });
        awaitRunning(c, "web", 4);
        // The agents re-registered with the new incarnation and were reconciled: the same
        // allocations still run, none was replaced.
        assertEquals(before, allocationIds(c, "web"));
        assertEquals("idle", SchedulerApiTest.json(c.api().get("/v1/jobs/idle")).path("status").asText());
        // and the new singleton takes new work
        assertEquals(201, c.api().post("/v1/jobs", "{\"id\":\"after\",\"image\":\"busybox\"}").statusCode());
        awaitRunning(c, "after", 1);
    }

    @Test
    void theAllocationsOfAKilledAgentNodeAreReplacedOnTheOthers() throws Exception {
        Cluster3 c = start();
        assertEquals(201, c.api().post("/v1/jobs",
                "{\"id\":\"web\",\"image\":\"busybox\",\"count\":4,\"placement\":\"spread\"}").statusCode());
        awaitRunning(c, "web", 4);
        JsonNode job = SchedulerApiTest.json(c.api().get("/v1/jobs/web"));
        Set<String> onC = new HashSet<>();
        job.path("allocations").forEach(a -> {
            if (a.path("node").asText().equals("node-c")) {
                onC.add(a.path("id").asText());
            }
        });
        assertEquals(2, onC.size(), "spread puts two on each node: " + job);

        TestNodes.terminate(c.c());

        TestNodes.await(Duration.ofSeconds(60), "node-c down and its allocations replaced on node-b", () -> {
            JsonNode j = SchedulerApiTest.json(c.api().get("/v1/jobs/web"));
            int runningOnB = 0;
            for (JsonNode a : j.path("allocations")) {
                if (a.path("state").asText().equals("running") && a.path("node").asText().equals("node-b")) {
                    runningOnB++;
                }
            }
            return runningOnB == 4;
        });
        JsonNode after = SchedulerApiTest.json(c.api().get("/v1/jobs/web"));
        for (JsonNode a : after.path("allocations")) {
            if (onC.contains(a.path("id").asText())) {
                assertEquals("lost", a.path("state").asText(), a.toString());
            }
        }
        assertEquals("down", SchedulerApiTest.json(c.api().get("/v1/nodes/node-c")).path("node").path("status").asText());
        assertEquals(4, c.onB().values().stream().filter(s -> s == AllocationState.RUNNING).count());
    }

    private static void awaitRunning(Cluster3 c, String job, int count) {
        TestNodes.await(Duration.ofSeconds(60), job + " running " + count, () -> {
            var r = c.api().get("/v1/jobs/" + job);
            if (r.statusCode() != 200) {
                return false;
            }
            JsonNode j = SchedulerApiTest.json(r);
            return j.path("status").asText().equals("running") && j.path("running").asInt() == count;
        });
    }

    private static Set<String> allocationIds(Cluster3 c, String job) {
        Set<String> ids = new HashSet<>();
        SchedulerApiTest.json(c.api().get("/v1/jobs/" + job)).path("allocations").forEach(a -> {
            if (a.path("state").asText().equals("running")) {
                ids.add(a.path("id").asText());
            }
        });
        return ids;
    }

    private static long epoch(Cluster3 c) {
        String text = c.api().get("/metrics").body();
        for (String line : text.split("\n")) {
            if (line.startsWith("gantry_scheduler_epoch ")) {
                return Long.parseLong(line.substring("gantry_scheduler_epoch ".length()).trim());
            }
        }
        throw new AssertionError("no epoch in " + text);
    }
}
