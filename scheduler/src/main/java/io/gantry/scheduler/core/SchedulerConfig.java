package io.gantry.scheduler.core;

import io.gantry.scheduler.placement.PlacementOptions;

import java.time.Duration;
import java.util.Objects;

/**
 * The core's knobs.
 *
 * @param rescheduleDelay     delay before the first replacement of a failed allocation; doubled
 *                            for each further failure in the same chain
 * @param maxRescheduleDelay  the cap of that growth
 * @param resendAfter         a RunAllocation not answered with "running" (or a ReconcileRequest not
 *                            answered) for this long since it was last sent is sent again at the
 *                            next tick, and then once per interval
 * @param stopResendAfter     the same for a StopAllocation not answered with "stopped": shorter,
 *                            because a lost stop leaves a copy running that should not (a count = 1
 *                            job twice) and a repeated stop costs nothing (the agent answers a stop
 *                            it already obeyed, or of an allocation it does not have, with
 *                            "stopped")
 * @param reregistrationGrace after a failover, a node that has not registered again within this
 *                            time is taken as down and its allocations replaced
 */
public record SchedulerConfig(Duration rescheduleDelay, Duration maxRescheduleDelay, Duration resendAfter,
                              Duration stopResendAfter, Duration reregistrationGrace, PlacementOptions placement) {

    public static final SchedulerConfig DEFAULT = new SchedulerConfig(Duration.ofSeconds(5), Duration.ofMinutes(5),
            Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(60), PlacementOptions.DEFAULT);

    public SchedulerConfig {
        Objects.requireNonNull(placement, "placement");
        if (rescheduleDelay.isNegative() || maxRescheduleDelay.compareTo(rescheduleDelay) < 0) {
            throw new IllegalArgumentException("reschedule delay must be >= 0 and <= its maximum: "
                    + rescheduleDelay + " / " + maxRescheduleDelay);
        }
        if (resendAfter.isNegative() || resendAfter.isZero() || stopResendAfter.isNegative()
                || stopResendAfter.isZero() || reregistrationGrace.isNegative()) {
            throw new IllegalArgumentException("resendAfter and stopResendAfter must be positive and"
                    + " reregistrationGrace not negative: " + resendAfter + ", " + stopResendAfter + ", "
                    + reregistrationGrace);
        }
    }

    /** The delay before replacing the {@code attempt}-th failed allocation of a chain (0-based). */
    public Duration rescheduleDelay(int attempt) {
        Duration d = rescheduleDelay;
        for (int i = 0; i < attempt && d.compareTo(maxRescheduleDelay) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(maxRescheduleDelay) > 0 ? maxRescheduleDelay : d;
    }
}
