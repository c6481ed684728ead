package io.gantry.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gantry.ops.cli.Cli;
import io.gantry.ops.cli.CliContext;
import io.gantry.ops.server.GantryServer;
import io.gantry.ops.server.TestServers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job, node, alloc and events commands against a real all-in-one server (whose agent role
 * is not wired yet, so jobs wait for a node and say so): what they print, and their exit codes.
 */
class JobCliTest {
  @TempDir
  static Path dir;
  static GantryServer server;
  static Map<String, String> env;

  record Run(int code, String out, String err) {}

  @BeforeAll
  static void start() throws Exception {
    server = TestServers.start(dir.resolve("data"));
    env = Map.of("GANTRY_ADDR", server.httpUri().toString(), "GANTRY_TOKEN", server.token());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CliContext ctx = new CliContext(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), env, dir);
    int code = new Cli(Main.commands()).run(List.of(args), ctx);
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void runListStatusScaleStop() {
    Run r = run("run", "--name", "web", "--count", "2", "-e", "MODE=prod", "busybox:1.36", "sleep", "3600");
    assertEquals(0, r.code(), r.toString());
    assertEquals("web\n", r.out());
    assertTrue(r.err().contains("job web created (version 1)"), r.err());
    assertTrue(r.err().contains("waiting for a node: no nodes registered"), r.err());

    Run ls = run("job", "ls");
    assertEquals(0, ls.code(), ls.toString());
    assertTrue(ls.out().lines().anyMatch(l -> l.matches("web\\s+pending\\s+0/2\\s+2\\s+1\\s+busybox:1.36")), ls.out());

    Run status = run("job", "status", "web");
    assertEquals(0, status.code(), status.toString());
    assertTrue(status.out().startsWith("job web: pending, 0/2 running, version 1"), status.out());
    assertTrue(status.out().contains("2 allocation(s) found no node: no nodes registered"), status.out());
    assertTrue(status.out().lines().anyMatch(l -> l.matches("web-\\w+\\s+0\\s+1\\s+-\\s+pending.*")), status.out());

    Run scale = run("job", "scale", "web", "3");
    assertEquals("job web: count 3 (version 2)\n", scale.out(), scale.toString());

    Run stop = run("job", "stop", "web");
    assertEquals("job web stopping\n", stop.out(), stop.toString());
    assertTrue(run("job", "ls").out().lines().anyMatch(l -> l.startsWith("web") && l.contains("stopped")));
  }

  @Test
  void jobRunReadsAFile() throws Exception {
    Files.writeString(dir.resolve("batch.json"), "{\"id\":\"batch\",\"image\":\"busybox\",\"count\":0}");
    Run r = run("job", "run", "batch.json");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().startsWith("job batch created (version 1)\n  status: idle, 0/0 running"), r.out());
    Run again = run("job", "run", "batch.json");
    assertTrue(again.out().startsWith("job batch updated (version 1)"), again.out());
    Run missing = run("job", "run", "nope.json");
    assertEquals(1, missing.code());
    assertTrue(missing.err().contains("cannot read the job file nope.json"), missing.err());
  }

  @Test
  void problemsFromTheServerAreListedOneByOne() {
    Run r = run("run", "--count", "-1", "busy box");
    assertEquals(1, r.code(), r.toString());
    assertTrue(r.err().contains("400 Invalid request"), r.err());
    assertTrue(r.err().contains("$.image: invalid image reference 'busy box'"), r.err());
    assertTrue(r.err().contains("$.count: must be between 0 and"), r.err());
    Run notFound = run("job", "status", "nope");
    assertEquals(1, notFound.code());
    assertEquals("gantry: GET /v1/jobs/nope: 404 Not found: job nope does not exist\n", notFound.err());
    assertEquals(2, run("job", "scale", "web").code(), "usage: ID and N");
  }

  @Test
  void nodesAllocationsAndLogsSayWhatIsMissing() {
    Run nodes = run("node", "ls");
    assertEquals(0, nodes.code(), nodes.toString());
    assertTrue(nodes.err().contains("no node has registered"), nodes.err());
    assertTrue(run("run", "--name", "solo", "busybox").code() == 0);
    String alloc = "solo-" + run("job", "status", "solo", "--json").out().replaceAll("(?s).*\"id\" : \"solo-(\\w+)\".*", "$1");
    Run status = run("alloc", "status", alloc);
    assertEquals(0, status.code(), status.toString());
    assertTrue(status.out().startsWith("allocation " + alloc + ": pending"), status.out());
    Run logs = run("alloc", "logs", "-f", alloc);
    assertEquals(1, logs.code(), logs.toString());
    assertTrue(logs.err().contains("501 Not implemented: allocation logs are streamed from the node agent"), logs.err());
    Run drain = run("node", "drain", "node-x");
    assertEquals(1, drain.code());
    assertTrue(drain.err().contains("404 Not found: node node-x is not registered"), drain.err());
  }
}
