package io.gantry.agent.restart;

import io.gantry.agent.runtime.CollectingLogSink;
import io.gantry.agent.runtime.ContainerExit;
import io.gantry.agent.runtime.FakeRuntime;
import io.gantry.agent.runtime.Signals;
import io.gantry.agent.runtime.StartRequest;
import io.gantry.protocol.allocation.ExitStatus;
import io.gantry.protocol.job.Backoff;
import io.gantry.protocol.job.RestartPolicy;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RestartTrackerTest {

    static final class TestClock extends Clock {
        Instant now = Instant.parse("2024-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    private static final Backoff BACKOFF = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));
    private final TestClock clock = new TestClock();

    private RestartTracker tracker(String policy) {
        return new RestartTracker(RestartPolicy.parse(policy), BACKOFF, clock);
    }

    private static Optional<ExitStatus> exit(int code) {
        return Optional.of(ExitStatus.exited(code));
    }

    /**
     * A supervisor loop in miniature over the fake runtime: start, wait, ask the tracker, sleep
     * the delay on the test clock, start again.
     */
    @Test
    void onFailure3OnACommandThatExits3GivesExactlyFourRunsWithGrowingDelays() throws Exception {
        FakeRuntime runtime = new FakeRuntime(req -> FakeRuntime.exits(3, "failing\n"));
        RestartTracker tracker = tracker("on-failure:3");
        RestartState state = RestartState.INITIAL;
        List<Duration> delays = new ArrayList<>();
        RestartDecision d;
        int run = 0;
        do {
            String id = "job-" + run++;
            runtime.start(new StartRequest(id, Path.of("/bundle"), new CollectingLogSink()));
            ContainerExit e = runtime.await(id).toCompletableFuture().get(5, TimeUnit.SECONDS);
            clock.advance(Duration.ofMillis(50));
            d = tracker.afterExit(state, e.status(), Duration.ofMillis(50), false);
            state = d.next();
            if (d.restart()) {
                delays.add(d.delay());
                assertEquals(clock.instant().plus(d.delay()), d.nextAttemptAt());
                clock.advance(d.delay());
            }
        } while (d.restart());

        assertEquals(4, runtime.starts().size(), "one run and three restarts");
        assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4)), delays);
        assertEquals(3, state.restarts());
        assertTrue(d.reason().contains("giving up after 3 restarts"), d.reason());
    }

    @Test
    void alwaysRestartsAfterAKillButNotAfterAStopByRequest() {
        RestartTracker t = tracker("always");
        RestartDecision killed = t.afterExit(RestartState.INITIAL, Optional.of(ExitStatus.killed(Signals.SIGKILL)), Duration.ofSeconds(1), false);
        assertTrue(killed.restart());
        RestartDecision success = t.afterExit(killed.next(), exit(0), Duration.ofSeconds(1), false);
        assertTrue(success.restart(), "always restarts a successful exit too");
        RestartDecision stopped = t.afterExit(success.next(), Optional.of(ExitStatus.killed(Signals.SIGTERM)), Duration.ofSeconds(1), true);
        assertFalse(stopped.restart());
        assertTrue(stopped.reason().contains("stopped by request"));
    }

    @Test
    void unlessStoppedDiffersFromAlwaysOnlyAfterAnAgentRestart() {
        assertTrue(tracker("always").startAfterAgentRestart(true));
        assertFalse(tracker("unless-stopped").startAfterAgentRestart(true));
        assertTrue(tracker("unless-stopped").startAfterAgentRestart(false));
        assertFalse(tracker("on-failure").startAfterAgentRestart(false));
        assertFalse(tracker("no").startAfterAgentRestart(false));
        RestartDecision d = tracker("unless-stopped").afterExit(RestartState.INITIAL, exit(1), Duration.ofSeconds(1), false);
        assertTrue(d.restart());
        assertFalse(tracker("unless-stopped").afterExit(RestartState.INITIAL, exit(1), Duration.ofSeconds(1), true).restart());
    }

    @Test
    void aLongRunResetsTheBackoffAndEndsTheCrashLoop() {
        RestartTracker t = tracker("always");
        RestartDecision d1 = t.afterExit(RestartState.INITIAL, exit(1), Duration.ofSeconds(1), false);
        RestartDecision d2 = t.afterExit(d1.next(), exit(1), Duration.ofSeconds(1), false);
        RestartDecision d3 = t.afterExit(d2.next(), exit(1), Duration.ofSeconds(1), false);
        assertEquals(List.of(1L, 2L, 4L), List.of(d1.delay().toSeconds(), d2.delay().toSeconds(), d3.delay().toSeconds()));
        assertFalse(d1.crashLooping());
        assertTrue(d2.crashLooping(), "two short runs in a row");
        assertTrue(d3.reason().contains("crash loop"), d3.reason());

        RestartDecision afterLongRun = t.afterExit(d3.next(), exit(1), Duration.ofSeconds(10), false);
        assertEquals(Duration.ofSeconds(1), afterLongRun.delay());
        assertFalse(afterLongRun.crashLooping());
        assertEquals(4, afterLongRun.next().restarts(), "the restart count keeps counting");
    }

    @Test
    void backoffIsCapped() {
        RestartTracker t = tracker("always");
        RestartState s = RestartState.INITIAL;
        Duration last = Duration.ZERO;
        for (int i = 0; i < 12; i++) {
            RestartDecision d = t.afterExit(s, exit(1), Duration.ZERO, false);
            last = d.delay();
            s = d.next();
        }
        assertEquals(Duration.ofSeconds(30), last);
    }

    @Test
    void onFailureTreatsOomUnknownAndStartFailuresAsFailuresAndSuccessAsTheEnd() {
        RestartTracker t = tracker("on-failure");
        assertFalse(t.afterExit(RestartState.INITIAL, exit(0), Duration.ofSeconds(1), false).restart());
        assertTrue(t.afterExit(RestartState.INITIAL, Optional.of(ExitStatus.outOfMemory()), Duration.ofSeconds(1), false).restart());
        assertTrue(t.afterExit(RestartState.INITIAL, Optional.empty(), Duration.ofSeconds(1), false).restart());
        RestartDecision sf = t.afterStartFailure(RestartState.INITIAL, "exec: \"nope\": executable file not found");
        assertTrue(sf.restart());
        assertTrue(sf.reason().contains("failed to start"));
        assertFalse(tracker("no").afterExit(RestartState.INITIAL, exit(1), Duration.ofSeconds(1), false).restart());
    }

    @Test
    void jitterComesFromTheInjectedRandomAndOnlyLengthensTheDelay() {
        RestartTracker a = new RestartTracker(RestartPolicy.ALWAYS, BACKOFF, Duration.ofSeconds(10), 2, 0.2, new SplittableRandom(7), clock);
        RestartTracker b = new RestartTracker(RestartPolicy.ALWAYS, BACKOFF, Duration.ofSeconds(10), 2, 0.2, new SplittableRandom(7), clock);
        for (int i = 0; i < 20; i++) {
            Duration da = a.afterExit(RestartState.INITIAL, exit(1), Duration.ZERO, false).delay();
            Duration db = b.afterExit(RestartState.INITIAL, exit(1), Duration.ZERO, false).delay();
            assertEquals(da, db, "same seed, same delays");
            assertTrue(da.compareTo(Duration.ofSeconds(1)) >= 0 && da.compareTo(Duration.ofMillis(1200)) <= 0, da.toString());
        }
    }
}
