package io.gantry.ops.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GantryConfigTest {
  @TempDir
  Path tmp;

  private Path file(String hocon) throws Exception {
    Path f = tmp.resolve("gantry.conf");
    Files.writeString(f, hocon);
    return f;
  }

  @Test
  void referenceDefaults() {
    GantrySettings s = GantryConfig.load(ServerFlags.none()).settings();
    assertEquals(new HostPort("127.0.0.1", 7070), s.http());
    assertEquals(new HostPort("127.0.0.1", 7071), s.cluster());
    assertEquals(List.of("scheduler", "agent"), s.roles());
    assertEquals(Path.of("gantry-data").toAbsolutePath().normalize(), s.dataDir());
    assertTrue(s.token().isEmpty());
    assertEquals(Duration.ofSeconds(20), s.requestTimeout());
  }

  @Test
  void fileOverridesReferenceAndFlagsOverrideFile() throws Exception {
    Path f = file("""
        gantry {
          http { port = 7080, request-timeout = 7s }
          roles = [agent]
          data-dir = "/from/file"
        }
        """);
    GantrySettings fromFile = GantryConfig.load(ServerFlags.none().withConfigFile(f)).settings();
    assertEquals(7080, fromFile.http().port());
    assertEquals(List.of("agent"), fromFile.roles());
    assertEquals(Path.of("/from/file"), fromFile.dataDir());
    assertEquals(Duration.ofSeconds(7), fromFile.requestTimeout(), "a file setting no flag covers stays");

    GantryConfig.Loaded withFlags = GantryConfig.load(ServerFlags.none().withConfigFile(f)
        .withHttp(new HostPort("0.0.0.0", 7090)).withRoles(List.of("scheduler")).withDataDir("/from/flag"));
    assertEquals(new HostPort("0.0.0.0", 7090), withFlags.settings().http());
    assertEquals(List.of("scheduler"), withFlags.settings().roles());
    assertEquals(Path.of("/from/flag"), withFlags.settings().dataDir());
    assertEquals(Duration.ofSeconds(7), withFlags.settings().requestTimeout());
  }

  @Test
  void pekkoSettingsFollowGantrySettings() throws Exception {
    Path f = file("""
        gantry.cluster { port = 7171, seed-nodes = ["pekko://gantry@127.0.0.1:7171"] }
        gantry.http.max-request-size = 1 MiB
        pekko.cluster.roles = [ignored]
        """);
    var config = GantryConfig.load(ServerFlags.none().withConfigFile(f).withRoles(List.of("agent"))).config();
    assertEquals(List.of("agent"), config.getStringList("pekko.cluster.roles"));
    assertEquals(7171, config.getInt("pekko.remote.artery.canonical.port"));
    assertEquals(List.of("pekko://gantry@127.0.0.1:7171"), config.getStringList("pekko.cluster.seed-nodes"));
    assertEquals(1024 * 1024, config.getBytes("pekko.http.server.parsing.max-content-length"));
    assertEquals("cluster", config.getString("pekko.actor.provider"));
    assertEquals("org.apache.pekko.cluster.sbr.SplitBrainResolverProvider",
        config.getString("pekko.cluster.downing-provider-class"));
  }

  @Test
  void aFileMayTunePekkoDirectly() throws Exception {
    Path f = file("pekko.cluster.split-brain-resolver.stable-after = 7s\n");
    var config = GantryConfig.load(ServerFlags.none().withConfigFile(f)).config();
    assertEquals(Duration.ofSeconds(7), config.getDuration("pekko.cluster.split-brain-resolver.stable-after"));
  }

  @Test
  void badValuesAreNamed() throws Exception {
    var unknownRole = assertThrows(ConfigException.class,
        () -> GantryConfig.load(ServerFlags.none().withConfigFile(file("gantry.roles = [scheduler, janitor]"))));
    assertTrue(unknownRole.getMessage().contains("gantry.roles") && unknownRole.getMessage().contains("janitor"),
        unknownRole.getMessage());
    var badPort = assertThrows(ConfigException.class,
        () -> GantryConfig.load(ServerFlags.none().withConfigFile(file("gantry.http.port = 70000"))));
    assertTrue(badPort.getMessage().contains("gantry.http"), badPort.getMessage());
    var missing = assertThrows(ConfigException.class,
        () -> GantryConfig.load(ServerFlags.none().withConfigFile(tmp.resolve("nope.conf"))));
    assertTrue(missing.getMessage().contains("nope.conf"), missing.getMessage());
    var syntax = assertThrows(ConfigException.class,
        () -> GantryConfig.load(ServerFlags.none().withConfigFile(file("gantry { http { port = "))));
    assertTrue(syntax.getMessage().contains("gantry.conf"), syntax.getMessage());
  }
}
