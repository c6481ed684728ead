package io.gantry.agent.restart;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The tracker's answer after an exit: restart after {@code delay} (at {@code nextAttemptAt}) or
 * stay stopped, with the state to keep and a reason a person can read. {@code crashLooping} marks
 * a container that keeps dying soon after it starts, like Kubernetes' CrashLoopBackOff: the
 * supervisor shows it with the restart count and the next attempt time.
 */
public record RestartDecision(
        Action action,
        Duration delay,
        Instant nextAttemptAt,
        RestartState next,
        boolean crashLooping,
        String reason) {

    public enum Action { RESTART, STOP }

    public RestartDecision {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(next, "next");
        Objects.requireNonNull(reason, "reason");
        if (action == Action.RESTART) {
            Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
        }
    }

    public boolean restart() {
        return action == Action.RESTART;
    }

    static RestartDecision stop(RestartState state, String reason) {
        return new RestartDecision(Action.STOP, Duration.ZERO, null, state, false, reason);
    }
}
