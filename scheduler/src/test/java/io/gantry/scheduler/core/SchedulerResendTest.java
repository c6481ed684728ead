package io.gantry.scheduler.core;

import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.allocation.AllocationState;
import io.gantry.protocol.cluster.AgentCommand;
import io.gantry.protocol.cluster.ReconcileRequest;
import io.gantry.protocol.cluster.RunAllocation;
import io.gantry.protocol.cluster.StopAllocation;
import io.gantry.protocol.job.JobSpec;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.gantry.scheduler.core.SchedulerHarness.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Commands or answers lost on the way (the simulator's findings 1, 2 and 4): the core asks again,
 * at once when the agent shows it missed a stop, and otherwise once per resend interval (for a
 * stop, the shorter stop resend interval); and an update or a drain of a count = 1 job waits for
 * the old copy's stop (finding 3 and the findings with background loss).
 */
class SchedulerResendTest {

    static final long GIB = 1L << 30;

    private final SchedulerHarness h = new SchedulerHarness();

    /** A count = 1 job running on n1, n2 registered, every command answered so far. */
    private AllocationRecord runningOnN1() {
        h.registerNode(node("n1", 4000, 8 * GIB));
        h.submit(JobSpec.builder("web", "registry.local/web:1").count(1).resources(500, GIB / 2).build());
        h.acknowledgeAll();
        h.registerNode(node("n2", 4000, 8 * GIB));
        h.acknowledgeAll();
        return h.live("web").get(0);
    }

    /** A count = 2 job of the same size, both copies running on n1, n2 registered. */
    private List<AllocationRecord> twoRunningOnN1() {
        h.registerNode(node("n1", 4000, 8 * GIB));
        h.submit(JobSpec.builder("web", "registry.local/web:1").count(2).resources(500, GIB / 2).build());
        h.acknowledgeAll();
        h.registerNode(node("n2", 4000, 8 * GIB));
        h.acknowledgeAll();
        return h.live("web");
    }

    /** Drains n1 (a single instance: stop first); the stop of the old copy is lost. */
    private void drainWithLostStop(AllocationRecord old) {
        h.drain("n1");
        assertEquals(List.of(StopAllocation.class), types(h.last(), old.id()), "the stop that gets lost");
        h.dropOutbox();
    }

    private static List<Class<?>> types(Outcome o, AllocationId id) {
        return o.sends().stream().map(SchedulerEffect.SendToNode::command)
                .filter(c -> id.equals(allocationOf(c))).<Class<?>>map(Object::getClass).toList();
    }

    private static AllocationId allocationOf(AgentCommand c) {
        if (c instanceof RunAllocation r) {
            return r.allocationId();
        }
        return c instanceof StopAllocation s ? s.allocationId() : null;
    }

    @Test
    void aStopLostWithARestartingAgentIsSentAgainWhenTheAgentRegisters() {
        AllocationRecord old = runningOnN1();
        drainWithLostStop(old);
        h.advance(Duration.ofSeconds(3));
        Outcome registered = h.registerNode(node("n1", 4000, 8 * GIB)); // the agent's new process
        assertEquals(List.of(StopAllocation.class), types(registered, old.id()), "at once, not 30 s later");
        h.acknowledgeAll();
        assertEquals(AllocationState.STOPPED, h.state().allocation(old.id()).orElseThrow().state());
    }

    @Test
    void aReportThatAStoppedAllocationStillRunsSendsTheStopAgain() {
        AllocationRecord old = runningOnN1();
        drainWithLostStop(old);
        h.advance(Duration.ofSeconds(2)); // before the stop's own resend
        Outcome reported = h.report(old.id(), AllocationState.RUNNING);
        assertEquals(List.of(StopAllocation.class), types(reported, old.id()));
    }

    @Test
    void aLostRunningReportIsAskedForAgainSoADrainCompletes() {
        twoRunningOnN1(); // more than one instance: drained start-first
        h.drain("n1");
        AllocationRecord replacement = h.inState("web", AllocationState.PLACED).get(0);
        AllocationRecord old = h.state().allocation(replacement.previous().orElseThrow()).orElseThrow();
        h.dropOutbox();
        h.report(replacement.id(), AllocationState.STARTING); // and then its "running" is lost
        assertTrue(types(h.advance(Duration.ofSeconds(10)), replacement.id()).isEmpty());
        Outcome later = h.advance(Duration.ofSeconds(25));
        assertEquals(List.of(RunAllocation.class), types(later, replacement.id()),
                "a RunAllocation again, which the agent answers with the allocation's status");
        h.acknowledgeAll(); // running → the drained copy is stopped
        assertEquals(AllocationState.RUNNING, h.state().allocation(replacement.id()).orElseThrow().state());
        assertEquals(AllocationState.STOPPED, h.state().allocation(old.id()).orElseThrow().state());
        assertTrue(h.advance(Duration.ofMinutes(2)).sends().isEmpty(), "nothing left to ask");
    }

    @Test
    void anUnansweredStopIsSentAgainOncePerStopResendIntervalNotAtEveryTick() {
        AllocationRecord old = runningOnN1();
        drainWithLostStop(old);
        List<Integer> stopsAt = new java.util.ArrayList<>();
        for (int s = 1; s <= 60; s++) {
            if (!types(h.advance(Duration.ofSeconds(1)), old.id()).isEmpty()) {
                stopsAt.add(s);
            }
        }
        assertEquals(Duration.ofSeconds(5), h.core().config().stopResendAfter());
        assertEquals(List.of(5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60), stopsAt,
                "every 5 s, not only every 30 s (resendAfter), and not at every tick");
    }

    @Test
    void anUnansweredRunIsStillSentAgainOnlyOncePerResendInterval() {
        h.registerNode(node("n1", 4000, 8 * GIB));
        h.submit(JobSpec.builder("web", "registry.local/web:1").count(1).resources(500, GIB / 2).build());
        AllocationRecord placed = h.inState("web", AllocationState.PLACED).get(0);
        h.dropOutbox(); // the RunAllocation is lost, and every resend
        List<Integer> runsAt = new java.util.ArrayList<>();
        for (int s = 1; s <= 90; s++) {
            if (!types(h.advance(Duration.ofSeconds(1)), placed.id()).isEmpty()) {
                runsAt.add(s);
            }
        }
        assertEquals(List.of(30, 60, 90), runsAt);
    }

    @Test
    void aSingleInstanceIsDrainedStopFirst() {
        AllocationRecord old = runningOnN1();
        h.drain("n1");
        assertEquals(List.of(StopAllocation.class), types(h.last(), old.id()));
        assertTrue(h.last().sends().stream().noneMatch(s -> s.command() instanceof RunAllocation),
                "nothing starts beside the copy being drained");
        assertTrue(h.live("web").isEmpty());
        h.acknowledgeAll(); // stopped → the replacement is placed on n2 and runs
        assertEquals(AllocationState.STOPPED, h.state().allocation(old.id()).orElseThrow().state());
        assertEquals(1, h.live("web").size());
        AllocationRecord moved = h.live("web").get(0);
        assertEquals(AllocationState.RUNNING, moved.state());
        assertEquals("n2", moved.node().orElseThrow().value());
        assertEquals(old.id(), moved.previous().orElseThrow());
        assertEquals(1, h.runsSentTo("n2").size());
    }

    @Test
    void aDrainedSingleInstanceWhoseStopIsNeverAnsweredMovesAtTheStopDeadline() {
        AllocationRecord old = runningOnN1();
        h.drain("n1");
        h.dropOutbox(); // the stop is lost, and so is every resend
        Duration deadline = h.state().job("web").orElseThrow().spec().stopTimeout()
                .plus(h.core().config().resendAfter());
        Duration step = Duration.ofSeconds(5);
        for (Duration t = step; t.compareTo(deadline) < 0; t = t.plus(step)) {
            h.advance(step);
            h.dropOutbox();
            assertTrue(h.live("web").isEmpty(), "still waiting at " + t);
        }
        h.advance(step);
        assertEquals(1, h.live("web").size(), "placed after the deadline");
        assertEquals(old.id(), h.live("web").get(0).previous().orElseThrow());
    }

    @Test
    void aLostReconcileRequestIsSentAgainUntilAnswered() {
        h.registerNode(node("n1", 4000, 8 * GIB));
        h.dropOutbox(); // the ReconcileRequest is lost
        assertTrue(h.advance(Duration.ofSeconds(20)).sends().isEmpty());
        List<SchedulerEffect.SendToNode> again = h.advance(Duration.ofSeconds(10)).sends();
        assertEquals(1, again.size());
        assertTrue(again.get(0).command() instanceof ReconcileRequest);
        h.dropOutbox(); // lost again
        assertTrue(h.advance(Duration.ofSeconds(25)).sends().isEmpty());
        assertEquals(1, h.advance(Duration.ofSeconds(5)).sends().size(), "asked again 30 s later");
        h.acknowledgeAll(); // answered
        assertTrue(h.advance(Duration.ofMinutes(2)).sends().isEmpty());
    }

    @Test
    void anUpdateOfASingleInstanceStartsTheNewVersionOnlyOnceTheOldOneStopped() {
        AllocationRecord old = runningOnN1();
        h.submit(JobSpec.builder("web", "registry.local/web:1").count(1).resources(500, GIB / 2)
                .env("MODE", "fast").build());
        assertEquals(List.of(StopAllocation.class), types(h.last(), old.id()));
        assertTrue(h.last().sends().stream().noneMatch(s -> s.command() instanceof RunAllocation),
                "nothing new starts beside the old copy");
        h.acknowledgeAll(); // stopped → the new version is placed and runs
        assertEquals(AllocationState.STOPPED, h.state().allocation(old.id()).orElseThrow().state());
        assertEquals(1, h.live("web").size());
        assertEquals(AllocationState.RUNNING, h.live("web").get(0).state());
        assertEquals(2, h.live("web").get(0).allocation().jobVersion());
    }

    @Test
    void anUpdateOfASingleInstanceWhoseStopIsNeverAnsweredStartsAfterTheStopDeadline() {
        AllocationRecord old = runningOnN1();
        JobSpec updated = JobSpec.builder("web", "registry.local/web:1").count(1).resources(500, GIB / 2)
                .env("MODE", "fast").build();
        h.submit(updated);
        h.dropOutbox(); // the stop is lost, and so is every resend
        Duration deadline = updated.stopTimeout().plus(h.core().config().resendAfter());
        Duration step = Duration.ofSeconds(5);
        for (Duration t = step; t.compareTo(deadline) < 0; t = t.plus(step)) {
            h.advance(step);
            h.dropOutbox();
            assertTrue(h.live("web").isEmpty(), "still waiting at " + t);
        }
        h.advance(step); // 40 s: the deadline
        assertEquals(1, h.live("web").size(), "started after the deadline");
        assertEquals(2, h.live("web").get(0).allocation().jobVersion());
    }

    @Test
    void aStartingReportStampedByAClockAheadStillGetsAskedAgain() {
        twoRunningOnN1();
        h.drain("n1");
        AllocationRecord replacement = h.inState("web", AllocationState.PLACED).get(0);
        AllocationRecord old = h.state().allocation(replacement.previous().orElseThrow()).orElseThrow();
        h.dropOutbox();
        h.handle(new SchedulerCommand.ReportAllocation(io.gantry.protocol.node.NodeId.of("n2"), h.state().epoch(),
                io.gantry.protocol.allocation.AllocationStatus.of(replacement.id(), AllocationState.STARTING, "",
                        h.now().plus(Duration.ofHours(1))))); // n2's clock is an hour ahead
        h.advance(Duration.ofSeconds(5));
        assertTrue(types(h.advance(Duration.ofSeconds(25)), replacement.id()).isEmpty());
        assertEquals(List.of(RunAllocation.class), types(h.advance(Duration.ofSeconds(5)), replacement.id()),
                "30 s after the scheduler first saw it waiting, not an hour");
        assertEquals(AllocationState.RUNNING, h.state().allocation(old.id()).orElseThrow().state());
    }
}
