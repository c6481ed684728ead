package io.gantry.protocol.job;

import java.time.Duration;
import java.util.Objects;

/**
 * The delay before restart attempt n is {@code initial * 2^(n-1)}, capped at {@code max}
 * (the agent's restart tracker also resets it after a run that lasted long enough). Validation,
 * not the constructor, checks that {@code 0 < initial <= max}, so every problem of a job is
 * reported together.
 */
public record Backoff(Duration initial, Duration max) {

    public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(1));

    public Backoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
    }

    /** The delay before the given attempt (1 = first restart), doubling from {@code initial} up to {@code max}. */
    public Duration delayBefore(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be >= 1, got " + attempt);
        }
        Duration delay = initial;
        for (int i = 1; i < attempt && delay.compareTo(max) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(max) > 0 ? max : delay;
    }
}
