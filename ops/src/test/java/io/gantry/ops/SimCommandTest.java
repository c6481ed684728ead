package io.gantry.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.ops.cli.Cli;
import io.gantry.ops.cli.CliContext;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gantry sim} through the command table: a run, its report files, and a bad command line. */
class SimCommandTest {
  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CliContext ctx = new CliContext(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), Map.of(), Path.of(""));
    int code = new Cli(Main.commands()).run(List.of(args), ctx);
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void runsASeedAndWritesTheReport(@TempDir Path dir) throws Exception {
    Run r = run("sim", "--seed", "3", "--duration", "20m", "--fencing-window", "45s", "--report", dir.toString());
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("result:             OK"), r.out());
    assertTrue(r.out().contains("sha256 "), r.out());
    assertTrue(r.out().contains("simulated s per wall s"), r.out());
    assertTrue(Files.readString(dir.resolve("seed-3.html")).contains("<svg"));
    assertTrue(Files.exists(dir.resolve("seed-3.faults")));
  }

  @Test
  void aBadCommandLineIsAUsageError() {
    Run r = run("sim", "--nodes", "0");
    assertEquals(2, r.code(), r.toString());
    assertTrue(r.err().contains("--nodes must be at least 1"), r.err());
    Run help = run("sim", "--help");
    assertEquals(0, help.code());
    assertTrue(help.out().contains("--faults F"), help.out());
  }
}
