package io.gantry.ops.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.gantry.scheduler.persistence.JournalSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds a node's config. Precedence, highest first:
 * <ol>
 *   <li>the Pekko settings Gantry derives from {@code gantry.*} (cluster roles, remoting
 *       address, seed nodes, Split Brain Resolver timing, HTTP limits, the scheduler journal's
 *       persistence plugins), so that {@code gantry.*} is the one place to set them;</li>
 *   <li>command-line flags;</li>
 *   <li>JVM system properties ({@code -Dgantry.http.port=...} through GANTRY_JAVA_OPTS);</li>
 *   <li>the {@code --config FILE} (HOCON);</li>
 *   <li>{@code io/gantry/ops/pekko-defaults.conf}: the Pekko settings every Gantry node wants
 *       (cluster provider, Split Brain Resolver, slf4j logging, problem+json parse errors);</li>
 *   <li>every {@code reference.conf}: Gantry's {@code gantry { ... }} defaults and the libraries'.</li>
 * </ol>
 * Pekko overrides sit in their own layer and not in ops' reference.conf because the merge
 * order of several reference.conf files on one classpath is not defined.
 */
public final class GantryConfig {
  private GantryConfig() {}

  /** The resolved config and its checked {@code gantry} section. */
  public record Loaded(Config config, GantrySettings settings) {}

  public static Loaded load(ServerFlags flags) {
    Config file = flags.configFile().map(GantryConfig::parseFile).orElse(ConfigFactory.empty());
    Config user = flags.toConfig()
        .withFallback(ConfigFactory.defaultOverrides())
        .withFallback(file);
    Config base = ConfigFactory.parseResources(GantryConfig.class, "/io/gantry/ops/pekko-defaults.conf",
        ConfigParseOptions.defaults().setAllowMissing(false))
        .withFallback(ConfigFactory.defaultReference());
    Config resolved = user.withFallback(base).resolve();
    GantrySettings settings = GantrySettings.from(resolved);
    Config config = derivedPekko(settings, resolved).withFallback(user).withFallback(base).resolve();
    LogFormat.from(config);
    return new Loaded(config, settings);
  }

  private static Config parseFile(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException.Generic("config file " + file + " does not exist");
    }
    return ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
  }

  static Config derivedPekko(GantrySettings s, Config resolved) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("pekko.cluster.split-brain-resolver.stable-after", s.downingStableAfter().toMillis() + "ms");
    m.put("pekko.cluster.failure-detector.acceptable-heartbeat-pause", s.heartbeatPause().toMillis() + "ms");
    m.put("pekko.cluster.roles", s.roles());
    m.put("pekko.cluster.seed-nodes", s.seedNodes());
    m.put("pekko.remote.artery.canonical.hostname", s.cluster().host());
    m.put("pekko.remote.artery.canonical.port", s.cluster().port());
    m.put("pekko.http.server.request-timeout", s.requestTimeout().toMillis() + "ms");
    m.put("pekko.http.server.parsing.max-content-length", s.maxRequestBytes());
    Config derived = ConfigFactory.parseMap(m, "derived from gantry.*");
    if (s.roles().contains("scheduler")) {
      // The persistence plugins read their settings when the ActorSystem starts them.
      derived = derived.withFallback(JournalSettings.from(resolved, s.dataDir()).pekkoConfig());
    }
    return derived;
  }
}
