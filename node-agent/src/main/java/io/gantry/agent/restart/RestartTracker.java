package io.gantry.agent.restart;

import io.gantry.protocol.allocation.ExitStatus;
import io.gantry.protocol.job.Backoff;
import io.gantry.protocol.job.RestartPolicy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Decides whether and when a container runs again after it ended, in the manner of Nomad's
 * {@code restarts.go}: a plain class with the clock and randomness injected; the supervisor
 * actor only arms the timer it returns.
 *
 * <ul>
 * <li>{@code no}: never. {@code on-failure[:max]}: after a failure -- a non-zero exit, an OOM
 *     kill, an unknown exit status, or a failed start -- at most {@code max} times (so
 *     {@code on-failure:3} gives four runs in all). {@code always} and {@code unless-stopped}:
 *     after every exit. A stop asked for by a user is never followed by a restart.</li>
 * <li>Delays follow the job's {@link Backoff} (initial, doubling, capped); a run that lasted at
 *     least {@code resetAfter} (10 s by default, as Docker and Kubernetes) starts the backoff over.
 *     Optional jitter spreads restarts of many containers that failed together.</li>
 * <li>{@code crashLooping} after {@code crashLoopAfter} consecutive short runs.</li>
 * <li>After an agent restart, {@link #startAfterAgentRestart} tells whether a container that is
 *     not running should be started again: {@code always} yes even if a user had stopped it
 *     (Docker's rule), {@code unless-stopped} only if nobody stopped it.</li>
 * </ul>
 */
public final class RestartTracker {

    public static final Duration DEFAULT_RESET_AFTER = Duration.ofSeconds(10);
    public static final int DEFAULT_CRASH_LOOP_AFTER = 2;

    private final RestartPolicy policy;
    private final Backoff backoff;
    private final Duration resetAfter;
    private final int crashLoopAfter;
    private final double jitter;
    private final RandomGenerator random;
    private final Clock clock;

    /**
     * @param jitter fraction of each delay added at random (0 for none, e.g. 0.1 for up to +10 %)
     * @param random the source of that randomness (seeded in tests and simulations); unused when
     *               {@code jitter} is 0
     */
    public RestartTracker(RestartPolicy policy, Backoff backoff, Duration resetAfter, int crashLoopAfter,
                          double jitter, RandomGenerator random, Clock clock) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        this.resetAfter = Objects.requireNonNull(resetAfter, "resetAfter");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (backoff.initial().isNegative() || backoff.initial().isZero() || backoff.max().compareTo(backoff.initial()) < 0) {
            throw new IllegalArgumentException("restart backoff needs 0 < initial <= max, got " + backoff);
        }
        if (crashLoopAfter < 1) {
            throw new IllegalArgumentException("crashLoopAfter must be at least 1, got " + crashLoopAfter);
        }
        if (jitter < 0 || jitter > 1) {
            throw new IllegalArgumentException("jitter must be within [0, 1], got " + jitter);
        }
        if (jitter > 0) {
            Objects.requireNonNull(random, "random (needed when jitter > 0)");
        }
        this.crashLoopAfter = crashLoopAfter;
        this.jitter = jitter;
        this.random = random;
    }

    /** Defaults: reset after 10 s, crash loop after 2 short runs, no jitter. */
    public RestartTracker(RestartPolicy policy, Backoff backoff, Clock clock) {
        this(policy, backoff, DEFAULT_RESET_AFTER, DEFAULT_CRASH_LOOP_AFTER, 0, null, clock);
    }

    public RestartPolicy policy() {
        return policy;
    }

    /**
     * After the container's process ended.
     *
     * @param exit          how it ended; empty when the status is unknown (counts as a failure)
     * @param ran           how long it ran
     * @param stoppedByUser the agent stopped it because someone asked
     */
    public RestartDecision afterExit(RestartState state, Optional<ExitStatus> exit, Duration ran, boolean stoppedByUser) {
        boolean failed = exit.map(e -> !e.success()).orElse(true);
        String what = exit.map(ExitStatus::toString).orElse("unknown exit status");
        return decide(state, failed, what, ran, stoppedByUser);
    }

    /** After the runtime failed to start the container at all. */
    public RestartDecision afterStartFailure(RestartState state, String error) {
        return decide(state, true, "failed to start: " + error, Duration.ZERO, false);
    }

    /** Whether a container found not running after an agent restart should be started again. */
    public boolean startAfterAgentRestart(boolean stoppedByUser) {
        return switch (policy.kind()) {
            case ALWAYS -> true;
            case UNLESS_STOPPED -> !stoppedByUser;
            case NO, ON_FAILURE -> false;
        };
    }

    private RestartDecision decide(RestartState state, boolean failed, String what, Duration ran, boolean stoppedByUser) {
        if (stoppedByUser) {
            return RestartDecision.stop(state, what + "; stopped by request");
        }
        switch (policy.kind()) {
            case NO:
                return RestartDecision.stop(state, what + "; restart policy is no");
            case ON_FAILURE:
                if (!failed) {
                    return RestartDecision.stop(state, what + "; on-failure does not restart a successful exit");
                }
                if (policy.maxRetries() > 0 && state.restarts() >= policy.maxRetries()) {
                    return RestartDecision.stop(state, what + "; giving up after " + state.restarts()
                            + " restart" + (state.restarts() == 1 ? "" : "s") + " (" + policy + ")");
                }
                break;
            case ALWAYS:
            case UNLESS_STOPPED:
                break;
            default:
                throw new IllegalStateException("unknown restart policy " + policy);
        }
        boolean longRun = ran.compareTo(resetAfter) >= 0;
        int attempt = longRun ? 1 : state.backoffAttempt() + 1;
        int shortRuns = longRun ? 0 : state.shortRuns() + 1;
        Duration delay = withJitter(backoff.delayBefore(attempt));
        RestartState next = new RestartState(state.restarts() + 1, attempt, shortRuns);
        boolean crashLooping = shortRuns >= crashLoopAfter;
        Instant at = clock.instant().plus(delay);
        String reason = what + "; restart " + next.restarts()
                + (policy.maxRetries() > 0 ? " of " + policy.maxRetries() : "")
                + " in " + delay.toMillis() + " ms (" + policy + ")"
                + (crashLooping ? ", crash loop: " + shortRuns + " runs in a row shorter than " + resetAfter.toSeconds() + " s" : "");
        return new RestartDecision(RestartDecision.Action.RESTART, delay, at, next, crashLooping, reason);
    }

    private Duration withJitter(Duration d) {
        if (jitter == 0) {
            return d;
        }
        long extra = (long) (d.toNanos() * jitter * random.nextDouble());
        return d.plusNanos(extra);
    }
}
