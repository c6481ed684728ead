package io.gantry.scheduler.actor;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.gantry.scheduler.core.SchedulerConfig;
import io.gantry.scheduler.core.SnapshotPolicy;
import io.gantry.scheduler.placement.PlacementOptions;

import java.time.Duration;

/**
 * The {@code gantry.scheduler} section: the singleton's timing, snapshots, and the core's knobs.
 * Invalid values fail at start with their config path.
 *
 * @param snapshots when to snapshot ({@code snapshot-every}, {@code snapshot-events-per-item})
 */
public record SchedulerSettings(Duration askTimeout, Duration tickInterval, SnapshotPolicy snapshots,
                                int keepSnapshots, boolean recoverFromSnapshot, SchedulerConfig core) {

    public SchedulerSettings {
        if (keepSnapshots < 1) {
            throw new IllegalArgumentException("keep-snapshots must be >= 1, got " + keepSnapshots);
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
                    new SnapshotPolicy(s.getInt("snapshot-every"), s.getInt("snapshot-events-per-item")),
                    s.getInt("keep-snapshots"), s.getBoolean("recover-from-snapshot"), core);
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
