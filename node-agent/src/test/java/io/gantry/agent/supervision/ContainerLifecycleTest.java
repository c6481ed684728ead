package io.gantry.agent.supervision;

import io.gantry.agent.container.ContainerPhase;
import io.gantry.agent.container.ContainerView;
import io.gantry.agent.runtime.ContainerExit;
import io.gantry.agent.runtime.ContainerStatus;
import io.gantry.agent.runtime.FakeRuntime;
import io.gantry.agent.runtime.Signals;
import io.gantry.agent.runtime.StartRequest;
import io.gantry.protocol.job.Backoff;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.job.RestartPolicy;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The container state machine, driven through {@link LifecycleDriver} with a {@link FakeRuntime}: no actors, virtual time. */
class ContainerLifecycleTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Backoff FAST = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1));

    private final ManualClock clock = new ManualClock(T0);

    private LifecycleDriver driver(JobSpec spec, boolean autoRemove, Function<StartRequest, FakeRuntime.Behaviour> script) {
        ContainerLifecycle l = new ContainerLifecycle(new ContainerLifecycle.Identity("c1", "one", spec, Optional.empty(),
                Optional.empty(), autoRemove, clock.instant()), ContainerLifecycle.trackerFor(spec, clock), clock);
        return new LifecycleDriver(l, clock, script);
    }

    private static JobSpec spec(RestartPolicy restart) {
        return JobSpec.builder("c1", "127.0.0.1:5000/app:1").restart(restart).restartBackoff(FAST)
                .stopTimeout(Duration.ofSeconds(5)).build();
    }

    @Test
    void aRunThatExitsGoesThroughEveryPhaseAndEnds() {
        LifecycleDriver d = driver(spec(RestartPolicy.NO), false, r -> FakeRuntime.runsUntilSignalled());
        d.send(new LifecycleEvent.Start());
        assertEquals(List.of("pulling", "starting", "running"), d.phases);
        assertTrue(d.lifecycle.view().pid() > 0);
        clock.advance(Duration.ofSeconds(2));
        d.exitWith(0);
        ContainerView v = d.lifecycle.view();
        assertEquals(ContainerPhase.EXITED, v.phase());
        assertEquals(0, v.exitCode());
        assertEquals(0, v.restartCount());
        assertEquals(Optional.of(T0), v.startedAt());
        assertEquals(Optional.of(T0.plusSeconds(2)), v.finishedAt());
        assertEquals(1, d.finished);
        assertEquals(0, d.count(LifecycleEffect.Teardown.class), "kept until removed");
        assertEquals(ContainerPhase.EXITED, d.persisted.get(d.persisted.size() - 1).phase(), "the end is on disk");
    }

    @Test
    void onFailure3GivesFourRunsWithGrowingDelaysThenStops() {
        LifecycleDriver d = driver(spec(RestartPolicy.onFailure(3)), false, r -> FakeRuntime.exits(3, ""));
        d.send(new LifecycleEvent.Start());
        assertEquals(ContainerPhase.BACKOFF, d.lifecycle.phase());
        ContainerView waiting = d.lifecycle.view();
        assertEquals(1, waiting.restartCount());
        assertEquals(Optional.of(T0.plusMillis(100)), waiting.nextRestartAt(), "next attempt time visible");
        d.runTimers(Duration.ofSeconds(10));
        assertEquals(4, d.runtime.starts().size(), "the first run and three restarts");
        assertEquals(List.of(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400)), d.restartDelays);
        ContainerView v = d.lifecycle.view();
        assertEquals(ContainerPhase.EXITED, v.phase());
        assertEquals(3, v.exitCode());
        assertEquals(3, v.restartCount());
        assertTrue(v.message().contains("giving up after 3 restarts"), v.message());
        assertEquals(Optional.empty(), v.nextRestartAt());
        assertEquals(1, d.finished);
    }

    @Test
    void aContainerThatKeepsDyingShowsAsCrashLooping() {
        LifecycleDriver d = driver(spec(RestartPolicy.ALWAYS), false, r -> FakeRuntime.exits(1, ""));
        d.send(new LifecycleEvent.Start());
        assertFalse(d.lifecycle.view().crashLooping(), "one short run is not a loop yet");
        d.advance(Duration.ofMillis(100));
        ContainerView v = d.lifecycle.view();
        assertEquals(ContainerPhase.BACKOFF, v.phase());
        assertTrue(v.crashLooping(), v.toString());
        assertEquals(2, v.restartCount());
        assertTrue(v.message().contains("crash loop"), v.message());
    }

    @Test
    void alwaysRestartsAfterAKill() {
        LifecycleDriver d = driver(spec(RestartPolicy.ALWAYS), false, r -> FakeRuntime.runsUntilSignalled());
        d.send(new LifecycleEvent.Start());
        d.kill(Signals.SIGKILL);
        assertEquals(ContainerPhase.BACKOFF, d.lifecycle.phase());
        assertEquals(137, d.lifecycle.view().exitCode());
        d.advance(Duration.ofMillis(100));
        assertEquals(ContainerPhase.RUNNING, d.lifecycle.phase());
        assertEquals(2, d.runtime.starts().size());
        assertEquals(2, d.lifecycle.run());
    }

    @Test
    void stopSendsTheStopSignalThenSigkillAfterTheGraceAndNeverRestarts() {
        LifecycleDriver d = driver(spec(RestartPolicy.ALWAYS), false, r -> FakeRuntime.ignoresSignals(Signals.SIGTERM));
        d.send(new LifecycleEvent.Start());
        d.send(new LifecycleEvent.StopRequested(Duration.ofSeconds(3), "test"));
        assertEquals(ContainerPhase.STOPPING, d.lifecycle.phase());
        d.advance(Duration.ofMillis(2900));
        assertEquals(ContainerPhase.STOPPING, d.lifecycle.phase(), "the grace period is honoured");
        d.advance(Duration.ofMillis(200));
        ContainerView v = d.lifecycle.view();
        assertEquals(ContainerPhase.EXITED, v.phase());
        assertEquals(List.of(Signals.SIGTERM, Signals.SIGKILL), d.runtime.container("c1").signals());
        assertEquals(137, v.exitCode());
        assertEquals(Signals.SIGKILL, v.exit().orElseThrow().signal());
        assertTrue(v.stopRequested());
        d.advance(Duration.ofSeconds(10));
        assertEquals(1, d.runtime.starts().size(), "a stopped container stays stopped");
    }

    @Test
    void stopDuringBackoffCancelsTheRestart() {
        LifecycleDriver d = driver(spec(RestartPolicy.ALWAYS), false, r -> FakeRuntime.exits(1, ""));
        d.send(new LifecycleEvent.Start());
        assertEquals(ContainerPhase.BACKOFF, d.lifecycle.phase());
        d.send(new LifecycleEvent.StopRequested(Duration.ofSeconds(1), "test"));
        assertEquals(ContainerPhase.EXITED, d.lifecycle.phase());
        assertEquals(1, d.count(LifecycleEffect.CancelRestart.class));
        d.advance(Duration.ofSeconds(5));
        assertEquals(1, d.runtime.starts().size());
    }

    @Test
    void stopWhilePullingEndsWithoutRunning() {
        LifecycleDriver d = driver(spec(RestartPolicy.ALWAYS), false, r -> FakeRuntime.runsUntilSignalled());
        ContainerLifecycle l = d.lifecycle;
        assertEquals(List.of(LifecycleEffect.Persist.class, LifecycleEffect.Publish.class, LifecycleEffect.ResolveImage.class),
                l.handle(new LifecycleEvent.Start()).stream().map(Object::getClass).toList());
        l.handle(new LifecycleEvent.StopRequested(Duration.ofSeconds(1), "test"));
        List<LifecycleEffect> after = l.handle(new LifecycleEvent.ImageResolved(LifecycleDriver.IMAGE));
        assertTrue(after.stream().noneMatch(e -> e instanceof LifecycleEffect.Launch), after.toString());
        assertEquals(ContainerPhase.EXITED, l.phase());
        assertTrue(after.stream().anyMatch(e -> e instanceof LifecycleEffect.Finished));
    }

    @Test
    void aFailedStartIsRetriedByPolicyThenFails() {
        LifecycleDriver d = driver(spec(RestartPolicy.onFailure(1)), false,
                r -> FakeRuntime.failsToStart("exec: \"app\": executable file not found"));
        d.send(new LifecycleEvent.Start());
        assertEquals(ContainerPhase.BACKOFF, d.lifecycle.phase());
        d.advance(Duration.ofSeconds(1));
        ContainerView v = d.lifecycle.view();
        assertEquals(ContainerPhase.FAILED, v.phase());
        assertTrue(v.message().contains("executable file not found"), v.message());
        assertEquals(Optional.empty(), v.exit());
    }

    @Test
    void aPullFailureFailsTheContainerWithTheReason() {
        LifecycleDriver d = driver(spec(RestartPolicy.NO), false, r -> FakeRuntime.runsUntilSignalled());
        d.imageError = ref -> Optional.of("manifest unknown");
        d.send(new LifecycleEvent.Start());
        assertEquals(ContainerPhase.FAILED, d.lifecycle.phase());
        assertTrue(d.lifecycle.view().message().contains("manifest unknown"));
        assertEquals(0, d.runtime.starts().size());
    }

    @Test
    void anOomKillIsReportedAsSuch() {
        LifecycleDriver d = driver(spec(RestartPolicy.NO), false, r -> FakeRuntime.oomKilled());
        d.send(new LifecycleEvent.Start());
        ContainerView v = d.lifecycle.view();
        assertEquals(ContainerPhase.EXITED, v.phase());
        assertTrue(v.oomKilled());
        assertEquals(137, v.exitCode());
    }

    @Test
    void removingARunningContainerNeedsForceWhichKillsItFirst() {
        LifecycleDriver d = driver(spec(RestartPolicy.ALWAYS), false, r -> FakeRuntime.ignoresSignals(Signals.SIGTERM));
        d.send(new LifecycleEvent.Start());
        assertTrue(d.lifecycle.removalRefusal(false).orElseThrow().contains("running"));
        assertTrue(d.lifecycle.removalRefusal(true).isEmpty());
        FakeRuntime.FakeContainer c = d.runtime.container("c1");
        d.send(new LifecycleEvent.RemoveRequested(true));
        assertEquals(List.of(Signals.SIGKILL), c.signals());
        assertTrue(d.removed);
        assertEquals(1, d.runtime.starts().size(), "a removed container is not restarted");
    }

    @Test
    void autoRemoveTearsDownAfterTheWaitersHeardTheExit() {
        LifecycleDriver d = driver(spec(RestartPolicy.NO), true, r -> FakeRuntime.exits(7, "bye\n"));
        d.send(new LifecycleEvent.Start());
        int finished = d.effects.indexOf(d.effects.stream().filter(e -> e instanceof LifecycleEffect.Finished).findFirst().orElseThrow());
        int teardown = d.effects.indexOf(d.effects.stream().filter(e -> e instanceof LifecycleEffect.Teardown).findFirst().orElseThrow());
        assertTrue(finished < teardown);
        assertTrue(d.removed);
        assertEquals(7, d.lifecycle.view().exitCode());
    }

    @Test
    void lateOutcomesOfAnEarlierRunAreIgnored() {
        LifecycleDriver d = driver(spec(RestartPolicy.ALWAYS), false, r -> FakeRuntime.runsUntilSignalled());
        d.send(new LifecycleEvent.Start());
        d.kill(Signals.SIGKILL);
        d.advance(Duration.ofMillis(100));
        assertEquals(2, d.lifecycle.run());
        List<LifecycleEffect> none = d.lifecycle.handle(new LifecycleEvent.Exited(1, LifecycleDriver.exit(0, clock.instant())));
        assertTrue(none.isEmpty());
        assertEquals(ContainerPhase.RUNNING, d.lifecycle.phase());
    }

    // ------------------------------------------------------------------ after an agent restart

    private ContainerLifecycle restored(ContainerRecord r) {
        return ContainerLifecycle.restore(r, ContainerLifecycle.trackerFor(r.spec(), clock), clock);
    }

    @Test
    void aRunStillGoingIsWatchedAgain() {
        LifecycleDriver d = driver(spec(RestartPolicy.NO), false, r -> FakeRuntime.runsUntilSignalled());
        d.send(new LifecycleEvent.Start());
        ContainerRecord r = d.lifecycle.record();
        ContainerLifecycle l = restored(r);
        List<LifecycleEffect> effects = l.handle(new LifecycleEvent.Recovered(Optional.of(
                ContainerStatus.running("c1", 42, T0))));
        assertTrue(effects.contains(new LifecycleEffect.Watch(1)), effects.toString());
        assertEquals(ContainerPhase.RUNNING, l.phase());
        assertEquals(r.handle(), l.handleOfRun());
    }

    @Test
    void aRunThatEndedWhileTheAgentWasAwayIsHandledAsAnExit() {
        LifecycleDriver d = driver(spec(RestartPolicy.onFailure(2)), false, r -> FakeRuntime.runsUntilSignalled());
        d.send(new LifecycleEvent.Start());
        ContainerLifecycle l = restored(d.lifecycle.record());
        ContainerExit exit = ContainerExit.fromCode(5, false, T0.plusSeconds(1)).withDetail("exited while the agent was away");
        List<LifecycleEffect> effects = l.handle(new LifecycleEvent.Recovered(Optional.of(
                ContainerStatus.exited("c1", 42, T0, exit))));
        assertEquals(ContainerPhase.BACKOFF, l.phase(), "the restart policy still applies");
        assertEquals(5, l.view().exitCode());
        assertTrue(effects.stream().anyMatch(e -> e instanceof LifecycleEffect.ArmRestart));
    }

    @Test
    void aRunTheRuntimeForgotIsReportedWithAnUnknownStatus() {
        LifecycleDriver d = driver(spec(RestartPolicy.NO), false, r -> FakeRuntime.runsUntilSignalled());
        d.send(new LifecycleEvent.Start());
        ContainerLifecycle l = restored(d.lifecycle.record());
        l.handle(new LifecycleEvent.Recovered(Optional.empty()));
        ContainerView v = l.view();
        assertEquals(ContainerPhase.EXITED, v.phase());
        assertEquals(Optional.empty(), v.exit());
        assertTrue(v.exitDetail().contains("no record"), v.exitDetail());
    }

    @Test
    void aPendingRestartIsArmedForWhatIsLeftOfItsDelay() {
        LifecycleDriver d = driver(spec(RestartPolicy.ALWAYS), false, r -> FakeRuntime.exits(1, ""));
        d.send(new LifecycleEvent.Start());
        assertEquals(ContainerPhase.BACKOFF, d.lifecycle.phase());
        clock.advance(Duration.ofMillis(30));
        ContainerLifecycle l = restored(d.lifecycle.record());
        List<LifecycleEffect> effects = l.handle(new LifecycleEvent.Recovered(Optional.empty()));
        assertTrue(effects.contains(new LifecycleEffect.ArmRestart(1, Duration.ofMillis(70))), effects.toString());
    }

    @Test
    void anInterruptedPullStartsOver() {
        LifecycleDriver d = driver(spec(RestartPolicy.NO), false, r -> FakeRuntime.runsUntilSignalled());
        d.lifecycle.handle(new LifecycleEvent.Start());
        ContainerLifecycle l = restored(d.lifecycle.record());
        List<LifecycleEffect> effects = l.handle(new LifecycleEvent.Recovered(Optional.empty()));
        assertTrue(effects.stream().anyMatch(e -> e instanceof LifecycleEffect.ResolveImage), effects.toString());
        assertEquals(ContainerPhase.PULLING, l.phase());
    }

    @Test
    void anAlwaysContainerStoppedByAUserStartsAgainWithTheAgentAsDockerDoes() {
        LifecycleDriver d = driver(spec(RestartPolicy.ALWAYS), false, r -> FakeRuntime.runsUntilSignalled());
        d.send(new LifecycleEvent.Start());
        d.send(new LifecycleEvent.StopRequested(Duration.ofSeconds(1), "test"));
        assertEquals(ContainerPhase.EXITED, d.lifecycle.phase());
        ContainerLifecycle l = restored(d.lifecycle.record());
        List<LifecycleEffect> effects = l.handle(new LifecycleEvent.Recovered(Optional.empty()));
        assertTrue(effects.stream().anyMatch(e -> e instanceof LifecycleEffect.ResolveImage), effects.toString());

        LifecycleDriver u = driver(spec(RestartPolicy.UNLESS_STOPPED), false, r -> FakeRuntime.runsUntilSignalled());
        u.send(new LifecycleEvent.Start());
        u.send(new LifecycleEvent.StopRequested(Duration.ofSeconds(1), "test"));
        ContainerLifecycle ul = restored(u.lifecycle.record());
        List<LifecycleEffect> none = ul.handle(new LifecycleEvent.Recovered(Optional.empty()));
        assertTrue(none.stream().noneMatch(e -> e instanceof LifecycleEffect.ResolveImage), "unless-stopped stays stopped");
        assertEquals(ContainerPhase.EXITED, ul.phase());
    }

    @Test
    void theRecordRoundTripsThroughItsJsonFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        LifecycleDriver d = driver(spec(RestartPolicy.onFailure(3)), false, r -> FakeRuntime.exits(3, ""));
        d.send(new LifecycleEvent.Start());
        ContainerRecords records = new ContainerRecords(tmp);
        records.write(d.lifecycle.record());
        List<ContainerRecord> back = records.readAll();
        assertEquals(List.of(d.lifecycle.record()), back);
        records.delete("c1");
        assertTrue(records.readAll().isEmpty());
    }
}
