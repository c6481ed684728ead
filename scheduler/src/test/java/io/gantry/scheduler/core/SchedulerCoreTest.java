package io.gantry.scheduler.core;

import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.allocation.AllocationState;
import io.gantry.protocol.allocation.AllocationStatus;
import io.gantry.protocol.cluster.RunAllocation;
import io.gantry.protocol.cluster.StopAllocation;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.job.PlacementStrategy;
import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.node.NodeStatus;
import io.gantry.scheduler.placement.PlacementOptions;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import static io.gantry.scheduler.core.SchedulerHarness.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SchedulerCoreTest {

    static final long GIB = 1L << 30;

    private final SchedulerHarness h = new SchedulerHarness();

    static JobSpec job(String id, int count) {
        return JobSpec.builder(id, "registry.local/web:1").count(count).resources(500, GIB / 2).build();
    }

    private static Set<String> nodesOf(List<AllocationRecord> allocs) {
        return allocs.stream().map(a -> a.node().orElseThrow().value()).collect(Collectors.toSet());
    }

    @Test
    void submittedJobIsPlacedAndItsAllocationsSentWithTheEpoch() {
        h.registerNode(node("n1", 4000, 8 * GIB));
        h.registerNode(node("n2", 4000, 8 * GIB));
        SchedulerReply reply = h.submit(job("web", 3));
        assertEquals(new SchedulerReply.JobAccepted("web", 1, true), reply);
        List<SchedulerEvent> events = h.last().events();
        assertInstanceOf(SchedulerEvent.JobSubmitted.class, events.get(0));
        SchedulerEvent.PlanApplied plan = (SchedulerEvent.PlanApplied) events.get(1);
        assertEquals(3, plan.created().size());
        assertEquals(3, plan.placed().size());
        assertInstanceOf(SchedulerEffect.Persist.class, h.last().effects().get(0), "persist comes first");
        List<SchedulerEffect.SendToNode> sends = h.last().sends();
        assertEquals(3, sends.size());
        for (SchedulerEffect.SendToNode s : sends) {
            RunAllocation run = (RunAllocation) s.command();
            assertEquals(1, run.epoch());
            assertEquals("web", run.job().id());
        }
        assertEquals(3, h.inState("web", AllocationState.PLACED).size());
        h.acknowledgeAll();
        assertEquals(3, h.inState("web", AllocationState.RUNNING).size());
        // indexes 0..2, each once
        assertEquals(Set.of(0, 1, 2), h.live("web").stream().map(AllocationRecord::index).collect(Collectors.toSet()));
    }

    @Test
    void invalidJobIsRejectedWithEveryProblemAndNothingChanges() {
        long before = h.state().eventsApplied();
        JobSpec bad = JobSpec.builder("Bad_Id", "").count(-1).build();
        SchedulerReply reply = h.submit(bad);
        SchedulerReply.Rejected rejected = assertInstanceOf(SchedulerReply.Rejected.class, reply);
        assertEquals(SchedulerReply.Rejected.Kind.INVALID, rejected.kind());
        assertTrue(rejected.problems().size() >= 2, rejected.problems().toString());
        assertEquals(before, h.state().eventsApplied());
    }

    @Test
    void resubmittingTheSameSpecChangesNothing() {
        h.registerNode(node("n1", 4000, 8 * GIB));
        h.submit(job("web", 1));
        assertEquals(new SchedulerReply.JobAccepted("web", 1, false), h.submit(job("web", 1)));
        assertTrue(h.last().events().isEmpty());
    }

    @Test
    void allocationsOfADownedNodeAreLostAndReplacedElsewhere() {
        h.registerNode(node("n1", 4000, 8 * GIB));
        h.registerNode(node("n2", 4000, 8 * GIB));
        h.submit(JobSpec.builder("web", "registry.local/web:1").count(2).resources(500, GIB / 2)
                .placement(PlacementStrategy.SPREAD).build());
        h.acknowledgeAll();
        assertEquals(Set.of("n1", "n2"), nodesOf(h.live("web")));
        AllocationRecord onN1 = h.live("web").stream().filter(a -> a.node().get().value().equals("n1"))
                .findFirst().orElseThrow();

        h.nodeDown("n1");
        assertEquals(AllocationState.LOST, h.state().allocation(onN1.id()).orElseThrow().state());
        assertEquals(NodeStatus.DOWN, h.state().node(NodeId.of("n1")).orElseThrow().status());
        List<AllocationRecord> live = h.live("web");
        assertEquals(2, live.size());
        assertEquals(Set.of("n2"), nodesOf(live));
        AllocationRecord replacement = live.stream().filter(a -> a.previous().isPresent()).findFirst().orElseThrow();
        assertEquals(onN1.id(), replacement.previous().get());
        assertEquals(onN1.index(), replacement.index());
        assertEquals(1, h.runsSentTo("n1").size(), "nothing new is sent to the downed node");
        assertEquals(0, h.state().node(NodeId.of("n1")).orElseThrow().reserved().cpuMillis());
    }

    @Test
    void aFailedAllocationIsRescheduledElsewhereAfterAGrowingDelay() {
        SchedulerHarness h = new SchedulerHarness(new SchedulerConfig(Duration.ofSeconds(5), Duration.ofSeconds(15),
                Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(60), PlacementOptions.DEFAULT),
                Instant.parse("2026-01-01T00:00:00Z"));
        h.registerNode(node("n1", 4000, 8 * GIB));
        h.registerNode(node("n2", 4000, 8 * GIB));
        h.submit(job("app", 1));
        h.acknowledgeAll();
        AllocationRecord first = h.live("app").get(0);

        Outcome failed = h.report(first.id(), AllocationState.FAILED);
        SchedulerEvent.RescheduleScheduled r = (SchedulerEvent.RescheduleScheduled) failed.events().get(1);
        assertEquals(h.now().plusSeconds(5), r.notBefore());
        assertTrue(failed.effects().contains(new SchedulerEffect.WakeUpAt(h.now().plusSeconds(5))));
        assertTrue(h.live("app").isEmpty(), "not replaced before the delay");

        h.advance(Duration.ofSeconds(4));
        assertTrue(h.live("app").isEmpty());
        h.advance(Duration.ofSeconds(1));
        AllocationRecord second = h.live("app").get(0);
        assertEquals(first.id(), second.previous().orElseThrow());
        assertEquals(1, second.rescheduleAttempt());
        assertNotEquals(first.node(), second.node(), "placed on the other node");

        h.acknowledgeAll();
        h.report(second.id(), AllocationState.FAILED);
        AllocationRecord failedSecond = h.state().allocation(second.id()).orElseThrow();
        assertEquals(h.now().plusSeconds(10), failedSecond.rescheduleAt().orElseThrow(), "delay doubled");
        h.advance(Duration.ofSeconds(10));
        AllocationRecord third = h.live("app").get(0);
        h.acknowledgeAll();
        h.report(third.id(), AllocationState.FAILED);
        assertEquals(h.now().plusSeconds(15), h.state().allocation(third.id()).orElseThrow().rescheduleAt()
                .orElseThrow(), "capped");
    }

    @Test
    void anAllocationThatExitedSuccessfullyIsNotReplaced() {
        h.registerNode(node("n1", 4000, 8 * GIB));
        h.submit(job("batch", 1));
        h.acknowledgeAll();
        h.report(h.live("batch").get(0).id(), AllocationState.EXITED);
        h.advance(Duration.ofMinutes(10));
        assertTrue(h.live("batch").isEmpty());
        assertEquals(1, h.state().allocationsOf("batch").size());
    }

    @Test
    void scalingUpAddsIndexesAndScalingDownStopsTheHighestFirst() {
        h.registerNode(node("n1", 8000, 16 * GIB));
        h.submit(job("web", 3));
        h.acknowledgeAll();
        assertEquals(new SchedulerReply.JobAccepted("web", 2, false), h.scale("web", 5));
        h.acknowledgeAll();
        assertEquals(Set.of(0, 1, 2, 3, 4), h.live("web").stream().map(AllocationRecord::index)
                .collect(Collectors.toSet()));

        h.scale("web", 2);
        List<StopAllocation> stops = h.last().sends().stream().map(s -> (StopAllocation) s.command()).toList();
        assertEquals(3, stops.size());
        Set<Integer> stoppedIndexes = stops.stream()
                .map(s -> h.state().allocation(s.allocationId()).orElseThrow().index()).collect(Collectors.toSet());
        assertEquals(Set.of(2, 3, 4), stoppedIndexes);
        assertEquals(Set.of(0, 1), h.live("web").stream().map(AllocationRecord::index).collect(Collectors.toSet()));
        h.acknowledgeAll();
        assertEquals(3, h.inState("web", AllocationState.STOPPED).size());
        assertEquals(1000, h.state().node(NodeId.of("n1")).orElseThrow().reserved().cpuMillis());

        assertInstanceOf(SchedulerReply.Rejected.class, h.scale("nope", 1));
        assertEquals(SchedulerReply.Rejected.Kind.INVALID,
                ((SchedulerReply.Rejected) h.scale("web", -1)).kind());
    }

    @Test
    void stoppingAJobStopsEverythingIncludingPendingAllocations() {
        h.registerNode(node("n1", 1000, 8 * GIB));
        h.submit(job("web", 3)); // two fit (500 millicores each), one stays pending
        assertEquals(1, h.inState("web", AllocationState.PENDING).size());
        h.acknowledgeAll();
        assertInstanceOf(SchedulerReply.Done.class, h.stop("web"));
        assertEquals(2, h.last().sends().size());
        assertTrue(h.live("web").isEmpty());
        assertEquals(1, h.inState("web", AllocationState.STOPPED).size(), "the pending one stops at once");
        h.acknowledgeAll();
        assertEquals(3, h.inState("web", AllocationState.STOPPED).size());
        assertTrue(h.state().job("web").orElseThrow().stopped());
        assertEquals(0, h.state().node(NodeId.of("n1")).orElseThrow().reserved().cpuMillis());
        // resubmitting runs it again
        assertEquals(new SchedulerReply.JobAccepted("web", 3, false), h.submit(job("web", 1)));
        assertEquals(1, h.live("web").size());
    }

    @Test
    void drainingANodePlacesReplacementsFirstAndStopsTheOldOnesWhenTheyRun() {
        h.registerNode(node("n1", 4000, 8 * GIB));
        h.submit(job("web", 2)); // bin-pack: both on n1
        h.acknowledgeAll();
        assertEquals(Set.of("n1"), nodesOf(h.live("web")));
        h.registerNode(node("n2", 4000, 8 * GIB));
        h.acknowledgeAll();

        SchedulerReply reply = h.drain("n1");
        assertEquals(new SchedulerReply.Done("node n1 draining, 2 allocation(s) to move"), reply);
        assertEquals(NodeStatus.DRAINING, h.state().node(NodeId.of("n1")).orElseThrow().status());
        assertEquals(4, h.live("web").size(), "old ones keep running until the replacements do");
        assertTrue(h.last().sends().stream().allMatch(s -> s.command() instanceof RunAllocation
                && s.node().value().equals("n2")));

        h.acknowledgeAll(); // replacements run → old ones stopped → stopped
        assertEquals(Set.of("n2"), nodesOf(h.live("web")));
        assertEquals(2, h.live("web").size());
        assertTrue(h.state().allocationsOn(NodeId.of("n1")).isEmpty());
        assertEquals(SchedulerReply.Rejected.Kind.NOT_FOUND,
                ((SchedulerReply.Rejected) h.drain("n9")).kind());
    }

    @Test
    void aDestructiveUpdateReplacesEveryAllocationAndACountChangeDoesNot() {
        h.registerNode(node("n1", 8000, 16 * GIB));
        h.submit(job("web", 2));
        h.acknowledgeAll();
        Set<AllocationId> before = h.live("web").stream().map(AllocationRecord::id).collect(Collectors.toSet());

        h.submit(job("web", 3));
        assertTrue(h.live("web").stream().map(AllocationRecord::id).collect(Collectors.toSet()).containsAll(before));

        h.submit(job("web", 3).toBuilder().env("MODE", "fast").build());
        h.acknowledgeAll();
        List<AllocationRecord> live = h.live("web");
        assertEquals(3, live.size());
        live.forEach(a -> assertEquals(3, a.allocation().jobVersion()));
        before.forEach(id -> assertEquals(AllocationState.STOPPED, h.state().allocation(id).orElseThrow().state()));
    }

    @Test
    void unplaceableAllocationsKeepWhyAndArePlacedWhenCapacityArrives() {
        h.registerNode(node("small", 4000, GIB));
        h.submit(JobSpec.builder("big", "registry.local/big:1").resources(1000, 4 * GIB).build());
        assertEquals(1, h.inState("big", AllocationState.PENDING).size());
        SchedulerEvent.PlacementFailed f = h.state().job("big").orElseThrow().failure().orElseThrow();
        assertEquals("1 node: insufficient memory", f.reasons());
        assertEquals(1, f.unplaced());

        h.registerNode(node("large", 4000, 16 * GIB));
        assertEquals(1, h.inState("big", AllocationState.PLACED).size());
        assertEquals("large", h.inState("big", AllocationState.PLACED).get(0).node().orElseThrow().value());
        assertTrue(h.state().job("big").orElseThrow().failure().isEmpty());
    }

    @Test
    void theSameFailureIsNotPersistedAgain() {
        h.registerNode(node("small", 4000, GIB));
        h.submit(JobSpec.builder("big", "registry.local/big:1").resources(1000, 4 * GIB).build());
        h.registerNode(node("small2", 4000, GIB));
        SchedulerEvent.PlanApplied plan = (SchedulerEvent.PlanApplied) h.last().events().get(1);
        assertEquals("2 nodes: insufficient memory", plan.failed().get(0).reasons());
        h.registerNode(node("small2", 4000, GIB));
        assertEquals(1, h.last().events().size(), "only the registration: the failure did not change");
    }

    @Test
    void replayingTheJournalGivesTheSameState() throws Exception {
        scriptedHistory();
        SchedulerState replayed = SchedulerCore.replay(h.journal());
        assertEquals(h.state().fingerprint(), replayed.fingerprint());

        // and the journal survives JSON, as the persistence plugin stores it
        var mapper = io.gantry.protocol.serialization.GantryJson.mapper();
        var type = mapper.getTypeFactory().constructCollectionType(List.class, SchedulerEvent.class);
        String json = mapper.writerFor(type).writeValueAsString(h.journal());
        List<SchedulerEvent> read = mapper.readValue(json, type);
        assertEquals(h.journal(), read);
        assertEquals(h.state().fingerprint(), SchedulerCore.replay(read).fingerprint());
    }

    private void scriptedHistory() {
        h.registerNode(node("n1", 4000, 8 * GIB, java.util.Map.of("zone", "a")));
        h.registerNode(node("n2", 4000, 8 * GIB, java.util.Map.of("zone", "b")));
        h.registerNode(node("n3", 4000, 8 * GIB, java.util.Map.of("zone", "b")));
        h.handle(new SchedulerCommand.LearnImageLayers("registry.local/web:1", List.of(
                new io.gantry.scheduler.placement.ImageLayer(io.gantry.protocol.oci.Digest.sha256(new byte[]{1}), 1000))));
        h.handle(new SchedulerCommand.ReportLayers(NodeId.of("n2"),
                Set.of(io.gantry.protocol.oci.Digest.sha256(new byte[]{1})), Set.of()));
        h.submit(job("web", 3));
        h.submit(JobSpec.builder("db", "registry.local/db:1").resources(1000, 2 * GIB).distinctHosts(true)
                .count(2).build());
        h.acknowledgeAll();
        h.report(h.live("web").get(0).id(), AllocationState.FAILED);
        h.nodeDown("n3");
        h.advance(Duration.ofSeconds(6));
        h.scale("web", 4);
        h.drain("n1");
        h.acknowledgeAll();
        h.stop("db");
        h.acknowledgeAll();
    }

    @Test
    void recoveryStartsAHigherEpochAndStampsCommandsWithIt() {
        h.registerNode(node("n1", 4000, 8 * GIB));
        h.submit(job("web", 1));
        h.acknowledgeAll();
        assertEquals(1, h.state().epoch());

        Outcome recovered = h.failover();
        assertEquals(2, h.state().epoch());
        assertEquals(new SchedulerEvent.EpochStarted(2, h.now()), recovered.events().get(0));
        assertEquals(1, h.live("web").size(), "the running allocation survives the failover");

        h.registerNode(node("n1", 4000, 8 * GIB));
        List<SchedulerEffect.SendToNode> sends = h.last().sends();
        assertEquals(new io.gantry.protocol.cluster.NodeRegistered(2, NodeId.of("n1")), sends.get(0).command());
        var reconcile = (io.gantry.protocol.cluster.ReconcileRequest) sends.get(1).command();
        assertEquals(2, reconcile.epoch());
        assertEquals(Set.of(h.live("web").get(0).id()), reconcile.allocations());
        h.acknowledgeAll();

        h.scale("web", 2);
        assertEquals(2, ((RunAllocation) h.last().sends().get(0).command()).epoch());
        h.failover();
        assertEquals(3, h.state().epoch());
    }

    @Test
    void staleAndForeignReportsAreIgnoredOrAnsweredWithAStop() {
        h.registerNode(node("n1", 4000, 8 * GIB));
        h.registerNode(node("n2", 4000, 8 * GIB));
        h.submit(job("web", 1));
        h.acknowledgeAll();
        AllocationRecord a = h.live("web").get(0);
        String other = a.node().get().value().equals("n1") ? "n2" : "n1";
        long events = h.state().eventsApplied();

        // an older report arriving late (pulling after running): ignored
        h.handle(new SchedulerCommand.ReportAllocation(a.node().get(), 1,
                AllocationStatus.of(a.id(), AllocationState.PULLING, "", h.now())));
        // a report from a node the allocation is not on: ignored
        h.handle(new SchedulerCommand.ReportAllocation(NodeId.of(other), 1,
                AllocationStatus.of(a.id(), AllocationState.FAILED, "", h.now())));
        // a report from an agent that obeys a newer scheduler (epoch 7): this one is deposed
        h.handle(new SchedulerCommand.ReportAllocation(a.node().get(), 7,
                AllocationStatus.of(a.id(), AllocationState.FAILED, "", h.now())));
        assertEquals(events, h.state().eventsApplied());
        assertEquals(AllocationState.RUNNING, h.state().allocation(a.id()).orElseThrow().state());

        // an allocation the scheduler never recorded: stopped
        Outcome o = h.handle(new SchedulerCommand.ReportAllocation(NodeId.of("n1"), 1,
                AllocationStatus.of(AllocationId.of("orphan-1"), AllocationState.RUNNING, "", h.now())));
        assertEquals(new StopAllocation(1, AllocationId.of("orphan-1"), "unknown to the scheduler"),
                o.sends().get(0).command());

        // a node declared down comes back with its (lost, replaced) allocation still running: stopped
        h.nodeDown(a.node().get().value());
        h.acknowledgeAll();
        h.registerNode(node(a.node().get().value(), 4000, 8 * GIB));
        Outcome back = h.handle(new SchedulerCommand.ReportAllocation(a.node().get(), 1,
                AllocationStatus.of(a.id(), AllocationState.RUNNING, "", h.now())));
        assertInstanceOf(StopAllocation.class, back.sends().get(0).command());
        assertEquals(AllocationState.LOST, h.state().allocation(a.id()).orElseThrow().state());
    }

    @Test
    void unacknowledgedCommandsAreSentAgainAtTheNextTick() {
        h.registerNode(node("n1", 4000, 8 * GIB));
        h.acknowledgeAll(); // the reconcile request is answered
        h.submit(job("web", 1));
        h.dropOutbox(); // RunAllocation lost on the way
        assertTrue(h.advance(Duration.ofSeconds(10)).sends().isEmpty());
        Outcome later = h.advance(Duration.ofSeconds(25));
        assertEquals(1, later.sends().size());
        assertInstanceOf(RunAllocation.class, later.sends().get(0).command());
        h.acknowledgeAll();
        assertTrue(h.advance(Duration.ofMinutes(5)).sends().isEmpty());
    }

    @Test
    void nodesThatDoNotRegisterAgainAfterAFailoverAreTakenAsDown() {
        h.registerNode(node("n1", 4000, 8 * GIB));
        h.registerNode(node("n2", 4000, 8 * GIB));
        h.submit(JobSpec.builder("web", "registry.local/web:1").count(2).resources(500, GIB / 2)
                .placement(PlacementStrategy.SPREAD).build());
        h.acknowledgeAll();
        Outcome recovered = h.failover();
        assertTrue(recovered.effects().contains(new SchedulerEffect.WakeUpAt(h.now().plusSeconds(60))));
        h.registerNode(node("n2", 4000, 8 * GIB));
        h.acknowledgeAll();
        h.advance(Duration.ofSeconds(59));
        assertEquals(NodeStatus.READY, h.state().node(NodeId.of("n1")).orElseThrow().status());
        h.advance(Duration.ofSeconds(1));
        assertEquals(NodeStatus.DOWN, h.state().node(NodeId.of("n1")).orElseThrow().status());
        assertEquals(Set.of("n2"), nodesOf(h.live("web")));
        assertEquals(2, h.live("web").size());
    }

    @Test
    void aReplacementAvoidsTheNodeItsPredecessorFailedOnOnlyWhileAnotherFits() {
        h.registerNode(node("only", 4000, 8 * GIB));
        h.submit(job("app", 1));
        h.acknowledgeAll();
        AllocationRecord first = h.live("app").get(0);
        h.report(first.id(), AllocationState.FAILED);
        h.advance(Duration.ofSeconds(5));
        assertEquals("only", h.live("app").get(0).node().orElseThrow().value());
        assertFalse(h.state().dueReschedules().containsKey(first.id()));
    }

    @Test
    void drainingTheOnlyNodeKeepsItsAllocationsRunningAndSaysWhy() {
        h.registerNode(node("n1", 4000, 8 * GIB));
        h.submit(job("web", 2));
        h.acknowledgeAll();
        List<AllocationRecord> running = h.live("web");
        h.drain("n1");
        h.acknowledgeAll();
        for (AllocationRecord a : running) {
            assertEquals(AllocationState.RUNNING, h.state().allocation(a.id()).orElseThrow().state());
        }
        assertEquals(2, h.inState("web", AllocationState.PENDING).size());
        assertEquals("1 node: node draining", h.state().job("web").orElseThrow().failure().orElseThrow().reasons());
        h.registerNode(node("n2", 4000, 8 * GIB));
        h.acknowledgeAll();
        assertEquals(Set.of("n2"), nodesOf(h.live("web")));
        for (AllocationRecord a : running) {
            assertEquals(AllocationState.STOPPED, h.state().allocation(a.id()).orElseThrow().state());
        }
    }

    @Test
    void aSingleInstanceWithNowhereToGoKeepsRunningOnTheDrainedNodeAndMovesStopFirstOnceANodeComes() {
        h.registerNode(node("n1", 4000, 8 * GIB));
        h.submit(job("web", 1));
        h.acknowledgeAll();
        AllocationRecord running = h.live("web").get(0);
        h.drain("n1");
        assertTrue(h.last().sends().isEmpty(), "not stopped: its replacement could go nowhere");
        h.acknowledgeAll();
        assertEquals(List.of(running), h.live("web"));
        assertTrue(h.inState("web", AllocationState.PENDING).isEmpty());
        SchedulerEvent.PlacementFailed why = new SchedulerEvent.PlacementFailed("web", 1, "1 node: node draining");
        assertEquals(Optional.of(why), h.state().job("web").orElseThrow().failure());

        Outcome registered = h.registerNode(node("n2", 4000, 8 * GIB));
        assertTrue(registered.sends().stream().anyMatch(s -> s.command() instanceof StopAllocation st
                && st.allocationId().equals(running.id())), "a node to go to: stop first");
        assertTrue(registered.sends().stream().noneMatch(s -> s.command() instanceof RunAllocation));
        h.acknowledgeAll();
        assertEquals(Set.of("n2"), nodesOf(h.live("web")));
        assertEquals(AllocationState.STOPPED, h.state().allocation(running.id()).orElseThrow().state());
        assertEquals(Optional.empty(), h.state().job("web").orElseThrow().failure());
    }
}
