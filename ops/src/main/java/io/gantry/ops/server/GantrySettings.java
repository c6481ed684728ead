package io.gantry.ops.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code gantry { ... }} section of a node's config, read and checked once at start
 * (the scheduler's own sections, {@code gantry.scheduler} and {@code gantry.journal}, are read
 * by the scheduler module).
 * Invalid values fail with the config path and where the value came from.
 */
public record GantrySettings(Path dataDir, List<String> roles, HostPort http, Optional<String> token,
                             Duration requestTimeout, long maxRequestBytes, Duration httpShutdownDeadline,
                             HostPort cluster, List<String> seedNodes, Duration downingStableAfter,
                             Duration heartbeatPause, boolean logToFile) {
  public static final Set<String> KNOWN_ROLES = Set.of("scheduler", "agent");

  public static GantrySettings from(Config config) {
    Config g = config.getConfig("gantry");
    List<String> roles = checkRoles(g);
    String token = g.getString("http.token").trim();
    return new GantrySettings(
        Path.of(g.getString("data-dir")).toAbsolutePath().normalize(),
        roles,
        hostPort(g, "http"),
        token.isEmpty() ? Optional.empty() : Optional.of(token),
        positive(g, "http.request-timeout"),
        g.getBytes("http.max-request-size"),
        positive(g, "http.shutdown-deadline"),
        hostPort(g, "cluster"),
        List.copyOf(g.getStringList("cluster.seed-nodes")),
        positive(g, "cluster.downing-stable-after"),
        positive(g, "cluster.heartbeat-pause"),
        g.getBoolean("logs.file"));
  }

  /** Roles in a stable order (scheduler first), so health and logs read the same everywhere. */
  private static List<String> checkRoles(Config g) {
    List<String> raw = g.getStringList("roles");
    List<String> unknown = raw.stream().filter(r -> !KNOWN_ROLES.contains(r)).toList();
    if (!unknown.isEmpty()) {
      throw new ConfigException.BadValue(g.origin(), "gantry.roles",
          "unknown role(s) " + unknown + "; a node's roles are scheduler, agent");
    }
    if (raw.isEmpty()) {
      throw new ConfigException.BadValue(g.origin(), "gantry.roles", "a node needs at least one role (scheduler, agent)");
    }
    List<String> roles = new ArrayList<>();
    for (String r : List.of("scheduler", "agent")) {
      if (raw.contains(r)) {
        roles.add(r);
      }
    }
    return List.copyOf(roles);
  }

  private static HostPort hostPort(Config g, String section) {
    try {
      return new HostPort(g.getString(section + ".host"), g.getInt(section + ".port"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException.BadValue(g.origin(), "gantry." + section, e.getMessage());
    }
  }

  private static Duration positive(Config g, String path) {
    Duration d = g.getDuration(path);
    if (d.isNegative() || d.isZero()) {
      throw new ConfigException.BadValue(g.origin(), "gantry." + path, "must be positive, got " + d);
    }
    return d;
  }

  public Path tokenFile() {
    return dataDir.resolve("token");
  }

  public Path logsDir() {
    return dataDir.resolve("logs");
  }
}
