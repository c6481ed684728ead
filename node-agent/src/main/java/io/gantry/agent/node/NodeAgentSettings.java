package io.gantry.agent.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.gantry.agent.logs.LogRotation;
import io.gantry.protocol.job.Backoff;
import io.gantry.protocol.node.NodeId;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A node agent's settings: the {@code gantry.agent} section of the node's config (defaults in
 * this module's reference.conf) plus the data directory.
 *
 * @param cpuMillis     capacity offered to the scheduler; 0 for the host's
 * @param memoryBytes   capacity offered to the scheduler; 0 for the host's less {@code memoryReserve}
 * @param runtime       "auto", "runc" or "crun"
 * @param shim          "auto" (the compiled gantry-shim when this build has one that runs here, else
 *                      the shell script), "compiled" (insist) or "sh"
 * @param layerReportInterval how long changes to the blobs held are gathered into one report to
 *                      the scheduler
 * @param usageInterval how often the containers' measured use is reported; zero: never
 */
public record NodeAgentSettings(
        Path dataDir,
        NodeId nodeId,
        Map<String, String> labels,
        long cpuMillis,
        long memoryBytes,
        long memoryReserve,
        String runtime,
        String shim,
        String cgroupParent,
        Duration stopTimeout,
        Backoff restartBackoff,
        LogRotation logRotation,
        Set<String> insecureRegistries,
        Duration registerInterval,
        Duration askTimeout,
        Duration layerReportInterval,
        Duration usageInterval) {

    public NodeAgentSettings {
        dataDir = dataDir.toAbsolutePath().normalize();
        Objects.requireNonNull(nodeId, "nodeId");
        labels = Map.copyOf(labels);
        if (!List.of("auto", "runc", "crun").contains(runtime)) {
            throw new IllegalArgumentException("gantry.agent.runtime must be auto, runc or crun, got '" + runtime + "'");
        }
        if (!List.of("auto", "compiled", "sh").contains(shim)) {
            throw new IllegalArgumentException("gantry.agent.shim must be auto, compiled or sh, got '" + shim + "'");
        }
        insecureRegistries = Set.copyOf(insecureRegistries);
        if (layerReportInterval.isNegative() || usageInterval.isNegative()) {
            throw new IllegalArgumentException("gantry.agent.layer-report-interval and usage-interval must not be negative,"
                    + " got " + layerReportInterval + " and " + usageInterval);
        }
    }

    /** The defaults of reference.conf, for a node whose data lives in {@code dataDir}. */
    public static NodeAgentSettings defaults(Path dataDir) {
        return fromConfig(ConfigFactory.defaultReference(), dataDir);
    }

    /** Reads {@code gantry.agent} of {@code config}; a bad value fails with its path. */
    public static NodeAgentSettings fromConfig(Config config, Path dataDir) {
        Config c = config.withFallback(ConfigFactory.defaultReference()).getConfig("gantry.agent");
        String id = c.getString("node-id").trim();
        NodeId nodeId;
        try {
            nodeId = NodeId.of(id.isEmpty() ? hostName() : id);
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue(c.origin(), "gantry.agent.node-id", e.getMessage());
        }
        Map<String, String> labels = new LinkedHashMap<>();
        c.getConfig("labels").entrySet().forEach(e -> labels.put(e.getKey(), String.valueOf(e.getValue().unwrapped())));
        Duration initial = c.getDuration("restart-backoff.initial");
        Duration max = c.getDuration("restart-backoff.max");
        if (initial.isZero() || initial.isNegative() || max.compareTo(initial) < 0) {
            throw new ConfigException.BadValue(c.origin(), "gantry.agent.restart-backoff",
                    "needs 0 < initial <= max, got " + initial + " and " + max);
        }
        try {
            return new NodeAgentSettings(dataDir, nodeId, labels, c.getLong("capacity.cpu"), c.getBytes("capacity.memory"),
                    c.getBytes("capacity.memory-reserve"), c.getString("runtime"), c.getString("shim"), c.getString("cgroup-parent"),
                    c.getDuration("stop-timeout"), new Backoff(initial, max),
                    new LogRotation(c.getBytes("logs.max-size"), c.getInt("logs.max-files")),
                    Set.copyOf(c.getStringList("insecure-registries")), c.getDuration("register-interval"),
                    c.getDuration("ask-timeout"), c.getDuration("layer-report-interval"), c.getDuration("usage-interval"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue(c.origin(), "gantry.agent", e.getMessage());
        }
    }

    public NodeAgentSettings withRestartBackoff(Backoff backoff) {
        return new NodeAgentSettings(dataDir, nodeId, labels, cpuMillis, memoryBytes, memoryReserve, runtime, shim, cgroupParent,
                stopTimeout, backoff, logRotation, insecureRegistries, registerInterval, askTimeout, layerReportInterval,
                usageInterval);
    }

    public NodeAgentSettings withNodeId(NodeId id) {
        return new NodeAgentSettings(dataDir, id, labels, cpuMillis, memoryBytes, memoryReserve, runtime, shim, cgroupParent,
                stopTimeout, restartBackoff, logRotation, insecureRegistries, registerInterval, askTimeout, layerReportInterval,
                usageInterval);
    }

    public NodeAgentSettings withCgroupParent(String parent) {
        return new NodeAgentSettings(dataDir, nodeId, labels, cpuMillis, memoryBytes, memoryReserve, runtime, shim, parent,
                stopTimeout, restartBackoff, logRotation, insecureRegistries, registerInterval, askTimeout, layerReportInterval,
                usageInterval);
    }

    public NodeAgentSettings withReportIntervals(Duration layerReport, Duration usage) {
        return new NodeAgentSettings(dataDir, nodeId, labels, cpuMillis, memoryBytes, memoryReserve, runtime, shim, cgroupParent,
                stopTimeout, restartBackoff, logRotation, insecureRegistries, registerInterval, askTimeout, layerReport,
                usage);
    }

    public Path stateDir() {
        return dataDir.resolve("state");
    }

    /** The kernel's host name, made a valid node id. */
    static String hostName() {
        String h;
        try {
            h = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException e) {
            h = "localhost";
        }
        h = h.replaceAll("[^A-Za-z0-9._-]", "-").replaceAll("^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "");
        return h.isEmpty() ? "localhost" : h;
    }
}
