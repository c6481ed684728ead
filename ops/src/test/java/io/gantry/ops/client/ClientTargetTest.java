package io.gantry.ops.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.ops.cli.CliContext;
import io.gantry.ops.cli.ParsedArgs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientTargetTest {
  @TempDir
  Path tmp;

  private ClientTarget resolve(Map<String, String> env, String... args) throws Exception {
    CliContext ctx = new CliContext(System.out, System.err, env, tmp);
    return ClientTarget.resolve(ParsedArgs.parse(List.of(args), ClientTarget.OPTIONS), ctx);
  }

  @Test
  void addressPrecedence() throws Exception {
    assertEquals("http://127.0.0.1:7070", resolve(Map.of()).address().toString());
    assertEquals("http://10.1.1.1:80", resolve(Map.of("GANTRY_ADDR", "http://10.1.1.1:80/")).address().toString());
    assertEquals("http://h:9", resolve(Map.of("GANTRY_ADDR", "http://10.1.1.1:80"), "--addr", "http://h:9").address().toString());
    assertEquals("h:80", resolve(Map.of(), "--addr", "http://h").hostPort());
  }

  @Test
  void tokenFromEnvThenDataDir() throws Exception {
    assertEquals(Optional.empty(), resolve(Map.of()).token());
    Files.createDirectories(tmp.resolve("gantry-data"));
    Files.writeString(tmp.resolve("gantry-data/token"), "from-default-dir\n");
    assertEquals(Optional.of("from-default-dir"), resolve(Map.of()).token());
    Files.createDirectories(tmp.resolve("other"));
    Files.writeString(tmp.resolve("other/token"), "from-flag-dir");
    assertEquals(Optional.of("from-flag-dir"), resolve(Map.of(), "--data-dir", "other").token());
    ClientTarget env = resolve(Map.of("GANTRY_TOKEN", "from-env"), "--data-dir", "other");
    assertEquals(Optional.of("from-env"), env.token());
    assertTrue(env.tokenSource().contains("GANTRY_TOKEN"));
  }
}
