package io.gantry.sim;

import io.gantry.protocol.allocation.ExitStatus;
import io.gantry.protocol.job.Backoff;
import io.gantry.protocol.job.RestartPolicy;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The restart rules the node agent's {@code RestartTracker} implements (Docker's policies, the
 * job's exponential {@link Backoff}, backoff reset after a run of {@link #RESET_AFTER}, crash
 * loop after two short runs in a row), standing in until that class is on main: the simulator
 * must use the agent's real class, and replacing this one is a matter of
 * {@code new RestartTracker(policy, backoff, clock)} behind {@link RestartRule}.
 */
final class InterimRestartRule implements RestartRule {

    static final Duration RESET_AFTER = Duration.ofSeconds(10);
    static final int CRASH_LOOP_AFTER = 2;

    private final RestartPolicy policy;
    private final Backoff backoff;

    InterimRestartRule(RestartPolicy policy, Backoff backoff) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.backoff = Objects.requireNonNull(backoff, "backoff");
    }

    @Override
    public Decision afterExit(State state, Optional<ExitStatus> exit, Duration ran, boolean stoppedByUser) {
        boolean failed = exit.map(e -> !e.success()).orElse(true);
        String what = exit.map(ExitStatus::toString).orElse("unknown exit status");
        return decide(state, failed, what, ran, stoppedByUser);
    }

    @Override
    public Decision afterStartFailure(State state, String error) {
        return decide(state, true, "failed to start: " + error, Duration.ZERO, false);
    }

    private Decision decide(State state, boolean failed, String what, Duration ran, boolean stoppedByUser) {
        if (stoppedByUser) {
            return stop(state, what + "; stopped by request");
        }
        switch (policy.kind()) {
            case NO:
                return stop(state, what + "; restart policy is no");
            case ON_FAILURE:
                if (!failed) {
                    return stop(state, what + "; on-failure does not restart a successful exit");
                }
                if (policy.maxRetries() > 0 && state.restarts() >= policy.maxRetries()) {
                    return stop(state, what + "; giving up after " + state.restarts() + " restarts (" + policy + ")");
                }
                break;
            default:
                break;
        }
        boolean longRun = ran.compareTo(RESET_AFTER) >= 0;
        int attempt = longRun ? 1 : state.backoffAttempt() + 1;
        int shortRuns = longRun ? 0 : state.shortRuns() + 1;
        Duration delay = backoff.delayBefore(attempt);
        State next = new State(state.restarts() + 1, attempt, shortRuns);
        return new Decision(true, delay, next, shortRuns >= CRASH_LOOP_AFTER,
                what + "; restart " + next.restarts() + " in " + delay.toMillis() + " ms (" + policy + ")");
    }

    private static Decision stop(State state, String reason) {
        return new Decision(false, Duration.ZERO, state, false, reason);
    }
}
