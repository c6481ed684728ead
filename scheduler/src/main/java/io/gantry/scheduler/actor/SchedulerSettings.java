package io.gantry.scheduler.actor;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.gantry.scheduler.core.SchedulerConfig;
import io.gantry.scheduler.placement.PlacementOptions;

import java.time.Duration;

/**
 * The {@code gantry.scheduler} section: the singleton's timing, snapshots, and the core's knobs.
 * Invalid values fail at start with their config path.
 */
public record SchedulerSettings(Duration askTimeout, Duration tickInterval, int snapshotEvery, int keepSnapshots,
                                boolean recoverFromSnapshot, SchedulerConfig core) {

    public SchedulerSettings {
        if (snapshotEvery < 0 || keepSnapshots < 1) {
            throw new IllegalArgumentException("snapshot-every must be >= 0 and keep-snapshots >= 1");
        }
    }

    public static SchedulerSettings from(Config config) {
        Config s = config.getConfig("gantry.scheduler");
        try {
            SchedulerConfig core = new SchedulerConfig(nonNegative(s, "reschedule-delay"),
                    nonNegative(s, "max-reschedule-delay"), positive(s, "resend-after"),
                    positive(s, "stop-resend-after"), nonNegative(s, "reregistration-grace"),
                    PlacementOptions.DEFAULT.withCandidates(s.getInt("placement-candidates")));
            return new SchedulerSettings(positive(s, "ask-timeout"), positive(s, "tick-interval"),
                    s.getInt("snapshot-every"), s.getInt("keep-snapshots"), s.getBoolean("recover-from-snapshot"),
                    core);
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue(s.origin(), "gantry.scheduler", e.getMessage());
        }
    }

    private static Duration positive(Config s, String path) {
        Duration d = s.getDuration(path);
        if (d.isNegative() || d.isZero()) {
            throw new ConfigException.BadValue(s.origin(), "gantry.scheduler." + path, "must be positive, got " + d);
        }
        return d;
    }

    private static Duration nonNegative(Config s, String path) {
        Duration d = s.getDuration(path);
        if (d.isNegative()) {
            throw new ConfigException.BadValue(s.origin(), "gantry.scheduler." + path, "must not be negative, got " + d);
        }
        return d;
    }
}
