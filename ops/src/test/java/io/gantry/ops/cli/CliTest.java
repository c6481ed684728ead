package io.gantry.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.ops.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CliTest {
  record Run(int code, String out, String err) {}

  static Run run(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CliContext ctx = new CliContext(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), env, Path.of(""));
    int code = new Cli(Main.commands()).run(List.of(args), ctx);
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static Run run(String... args) {
    return run(Map.of(), args);
  }

  static void assertUsageError(Run r, String contains) {
    assertEquals(2, r.code(), r.toString());
    assertEquals("", r.out());
    assertEquals(1, r.err().lines().count(), "one line on stderr: " + r.err());
    assertTrue(r.err().contains(contains), r.err());
  }

  @Test
  void helpEverywhereExitsZeroOnStdout() {
    for (String[] args : new String[][] {{"help"}, {"--help"}, {"-h"}, {"help", "server"}, {"server", "--help"},
        {"health", "-h"}, {"version", "--help"}}) {
      Run r = run(args);
      assertEquals(0, r.code(), List.of(args) + " " + r);
      assertTrue(r.out().startsWith("Usage: gantry"), r.out());
      assertEquals("", r.err());
    }
    Run top = run("help");
    assertTrue(top.out().contains("server") && top.out().contains("health") && top.out().contains("version"), top.out());
    Run server = run("server", "--help");
    for (String flag : List.of("--roles", "--data-dir", "--http", "--cluster", "--config")) {
      assertTrue(server.out().contains(flag), flag + " in " + server.out());
    }
  }

  @Test
  void usageErrorsExitTwoWithOneLine() {
    assertUsageError(run(), "missing command");
    assertUsageError(run("launch"), "unknown command 'launch'");
    assertUsageError(run("server", "--bogus"), "unknown option --bogus");
    assertUsageError(run("server", "--http"), "--http needs a value");
    assertUsageError(run("server", "--http", "nope"), "HOST:PORT");
    assertUsageError(run("server", "--http", "127.0.0.1:99999"), "0..65535");
    assertUsageError(run("server", "--roles", "scheduler,janitor"), "--roles");
    assertUsageError(run("server", "extra"), "unexpected argument 'extra'");
    assertUsageError(run("version", "-x"), "unknown option -x");
    assertUsageError(run("health", "--addr", "ftp://x"), "--addr");
    assertUsageError(run(Map.of("GANTRY_ADDR", "not a url"), "health"), "GANTRY_ADDR");
    assertUsageError(run("help", "nope"), "unknown command 'nope'");
    assertTrue(run("server", "--bogus").err().contains("see 'gantry server --help'"));
  }

  @Test
  void versionPrintsOneLine() {
    Run r = run("version");
    assertEquals(0, r.code());
    assertTrue(r.out().matches("gantry 0\\.[^\\s]+( \\(commit [0-9a-f]+\\))?\\n"), r.out());
  }

  @Test
  void healthWithoutServerSaysWhatToDo() throws Exception {
    int port;
    try (var socket = new java.net.ServerSocket(0)) {
      port = socket.getLocalPort(); // free, and closed again: nothing listens there
    }
    Run r = run(Map.of("GANTRY_ADDR", "http://127.0.0.1:" + port), "health");
    assertEquals(1, r.code(), r.toString());
    assertEquals("gantry: no Gantry server at 127.0.0.1:" + port
        + " — start one with `gantry server` (or point --addr / GANTRY_ADDR at a running one)\n", r.err());
  }

  @Test
  void badConfigFileIsARuntimeError() {
    Run r = run("server", "--config", "/nonexistent/gantry.conf", "--http", "127.0.0.1:0");
    assertEquals(1, r.code(), r.toString());
    assertTrue(r.err().contains("/nonexistent/gantry.conf"), r.err());
  }

  @Test
  void parsedArgsForms() throws Exception {
    List<OptionSpec> specs = List.of(OptionSpec.value("addr", "URL", "x"), OptionSpec.flag("json", "y"));
    ParsedArgs a = ParsedArgs.parse(List.of("--addr=http://h:1", "pos", "--json", "--", "--not-an-option"), specs);
    assertEquals("http://h:1", a.value("addr").orElseThrow());
    assertTrue(a.flag("json"));
    assertEquals(List.of("pos", "--not-an-option"), a.positionals());
    assertEquals("later", ParsedArgs.parse(List.of("--addr", "first", "--addr", "later"), specs).value("addr").orElseThrow());
    assertThrows(UsageException.class, () -> ParsedArgs.parse(List.of("--json=yes"), specs));
    assertFalse(ParsedArgs.parse(List.of(), specs).flag("help"));

    List<OptionSpec> run = List.of(OptionSpec.value("env", "KEY=VALUE", "e").withShort("e"), OptionSpec.flag("json", "j"));
    ParsedArgs r = ParsedArgs.parse(List.of("-e", "A=1", "--env", "B=2", "image", "ls", "-l", "--json"), run, true);
    assertEquals(List.of("A=1", "B=2"), r.values("env"));
    assertEquals(List.of("image", "ls", "-l", "--json"), r.positionals(), "options end at the first positional");
    assertFalse(r.flag("json"));
    assertThrows(UsageException.class, () -> ParsedArgs.parse(List.of("-x"), run));
    assertThrows(UsageException.class, () -> ParsedArgs.parse(List.of("-e"), run));
  }

  @Test
  void commandGroupsNest() {
    CommandGroup root = new CommandGroup("gantry", "root");
    CommandGroup image = new CommandGroup("image", "images");
    image.add(new Command() {
      public String name() {
        return "ls";
      }

      public String summary() {
        return "list images";
      }

      public int run(ParsedArgs args, CliContext ctx) {
        ctx.out().print("listed");
        return 0;
      }
    });
    root.add(image);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CliContext ctx = new CliContext(new PrintStream(out, true, StandardCharsets.UTF_8), System.err, Map.of(), Path.of(""));
    assertEquals(0, new Cli(root).run(List.of("image", "ls"), ctx));
    assertEquals("listed", out.toString(StandardCharsets.UTF_8));
    out.reset();
    assertEquals(0, new Cli(root).run(List.of("image", "help", "ls"), ctx));
    assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("Usage: gantry image ls"));
    assertThrows(IllegalArgumentException.class, () -> root.add(new CommandGroup("image", "again")));
  }
}
