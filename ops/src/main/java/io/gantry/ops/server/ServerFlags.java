package io.gantry.ops.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What {@code gantry server}'s flags set; each flag, when given, overrides the config file. */
public record ServerFlags(Optional<List<String>> roles, Optional<String> dataDir, Optional<HostPort> http,
                          Optional<HostPort> cluster, Optional<Path> configFile) {
  public static ServerFlags none() {
    return new ServerFlags(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
  }

  public ServerFlags withDataDir(String dir) {
    return new ServerFlags(roles, Optional.of(dir), http, cluster, configFile);
  }

  public ServerFlags withHttp(HostPort hp) {
    return new ServerFlags(roles, dataDir, Optional.of(hp), cluster, configFile);
  }

  public ServerFlags withCluster(HostPort hp) {
    return new ServerFlags(roles, dataDir, http, Optional.of(hp), configFile);
  }

  public ServerFlags withRoles(List<String> r) {
    return new ServerFlags(Optional.of(List.copyOf(r)), dataDir, http, cluster, configFile);
  }

  public ServerFlags withConfigFile(Path file) {
    return new ServerFlags(roles, dataDir, http, cluster, Optional.of(file));
  }

  /** The flags as a config layer of {@code gantry.*} keys. */
  Config toConfig() {
    Map<String, Object> m = new LinkedHashMap<>();
    roles.ifPresent(r -> m.put("gantry.roles", r));
    dataDir.ifPresent(d -> m.put("gantry.data-dir", d));
    http.ifPresent(h -> {
      m.put("gantry.http.host", h.host());
      m.put("gantry.http.port", h.port());
    });
    cluster.ifPresent(c -> {
      m.put("gantry.cluster.host", c.host());
      m.put("gantry.cluster.port", c.port());
    });
    return ConfigFactory.parseMap(m, "command-line flags");
  }
}
