package io.gantry.ops.node.containers;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.ops.Main;
import io.gantry.ops.cli.Cli;
import io.gantry.ops.cli.CliContext;
import io.gantry.scheduler.api.ApiJson;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code gantry container …} against a real node over real HTTP, as a user types it. */
class ContainerCliTest {

    @TempDir
    static Path dir;
    static ContainerFixtures f;

    record Run(int code, String out, String err) {
    }

    @BeforeAll
    static void start() throws Exception {
        f = new ContainerFixtures(dir);
    }

    @AfterAll
    static void stop() {
        if (f != null) {
            f.close();
        }
    }

    static Run gantry(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CliContext ctx = new CliContext(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of("GANTRY_ADDR", f.server.httpUri().toString(), "GANTRY_TOKEN", f.server.token(), "FROM_HERE", "caller"), dir);
        int code = new Cli(Main.commands()).run(List.of(args), ctx);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void runStreamsTheOutputAndExitsWithTheContainersCode() throws Exception {
        Run r = gantry("container", "run", "--rm", "-e", "A=1", "-e", "FROM_HERE", "--memory", "32m", "--network", "none",
                f.image.toString(), "sh", "-c", "echo out $A $FROM_HERE; echo err >&2; exit 7");
        assertEquals(7, r.code(), r.toString());
        assertEquals("out 1 caller\n", r.out());
        assertEquals("err\n", r.err());
        JsonNode all = ApiJson.MAPPER.readTree(f.call("GET", "/v1/containers?all=true", null).body());
        assertEquals(0, all.path("containers").size(), "--rm removed it: " + all);
    }

    @Test
    void runWithAVolumeAndTheImageDefaults() throws Exception {
        Path host = Files.createDirectories(dir.resolve("shared"));
        Run r = gantry("container", "run", "--rm", "-v", "./shared:/data", f.image.toString(), "sh", "-c", "echo $GREETING > /data/x; pwd");
        assertEquals(0, r.code(), r.toString());
        assertEquals("/srv/app\n", r.out());
        assertEquals("hello\n", Files.readString(host.resolve("x")));
        Run def = gantry("container", "run", "--rm", f.image.toString());
        assertEquals("hello\n", def.out(), def.toString());
    }

    @Test
    void aContainerThatCannotStartExits125WithTheReason() {
        Run r = gantry("container", "run", "--rm", f.registry.hostPort() + "/no-such-image:1");
        assertEquals(125, r.code(), r.toString());
        assertTrue(r.err().contains("did not run"), r.err());
        Run bad = gantry("container", "run", "--memory", "lots", f.image.toString());
        assertEquals(1, bad.code(), bad.toString());
        assertTrue(bad.err().contains("$.memory"), bad.err());
        Run usage = gantry("container", "run");
        assertEquals(2, usage.code(), usage.toString());
    }

    @Test
    void detachedLifecycle() throws Exception {
        Run run = gantry("container", "run", "-d", "--name", "cli-web", "--restart", "on-failure:2", f.image.toString(),
                "sh", "-c", "trap 'exit 0' TERM; echo started; echo x > /srv/app/new; while true; do usleep 100000; done");
        assertEquals(0, run.code(), run.toString());
        String id = run.out().trim();
        assertEquals(64, id.length(), run.out());

        long deadline = System.nanoTime() + 20_000_000_000L;
        Run ls;
        do {
            Thread.sleep(100);
            ls = gantry("container", "ls");
        } while (!ls.out().contains("Up ") && System.nanoTime() < deadline);
        assertTrue(ls.out().startsWith("CONTAINER ID"), ls.out());
        assertTrue(ls.out().contains(id.substring(0, 12)) && ls.out().contains("cli-web") && ls.out().contains("Up "), ls.out());
        Run ps = gantry("ps");
        assertEquals(0, ps.code(), ps.toString());
        assertTrue(ps.out().startsWith("CONTAINER ID") && ps.out().contains("cli-web"), ps.out());

        Run logs = gantry("container", "logs", "--tail", "1", "cli-web");
        assertEquals("started\n", logs.out(), logs.toString());
        Run diff = gantry("container", "diff", id.substring(0, 8));
        assertEquals("C /srv\nC /srv/app\nA /srv/app/new\n", diff.out(), diff.toString());
        Run inspect = gantry("container", "inspect", "cli-web");
        assertEquals("running", ApiJson.MAPPER.readTree(inspect.out()).path("state").asText());
        assertEquals("on-failure:2", ApiJson.MAPPER.readTree(inspect.out()).path("config").path("restart").asText());

        Run commit = gantry("container", "commit", "-m", "from the cli", "cli-web", "localhost/cli-commit:1");
        assertEquals(0, commit.code(), commit.toString());
        assertTrue(commit.out().startsWith("localhost/cli-commit:1 sha256:"), commit.out());

        Run rmRunning = gantry("container", "rm", "cli-web");
        assertEquals(1, rmRunning.code());
        assertTrue(rmRunning.err().contains("force"), rmRunning.err());

        Run stop = gantry("container", "stop", "-t", "5", "cli-web");
        assertEquals(0, stop.code(), stop.toString());
        Run follow = gantry("container", "logs", "-f", "cli-web");
        assertEquals("started\n", follow.out(), "follow of an ended container prints what there is and returns");
        Run lsAll = gantry("container", "ls", "--all", "--json");
        JsonNode mine = null;
        for (JsonNode c : ApiJson.MAPPER.readTree(lsAll.out())) {
            if (c.path("name").asText().equals("cli-web")) {
                mine = c;
            }
        }
        assertEquals("exited", mine.path("state").asText(), lsAll.out());
        Run lsText = gantry("container", "ls", "-a");
        assertTrue(lsText.out().contains("Exited (0)"), lsText.out());
        assertFalse(gantry("container", "ls").out().contains("cli-web"));

        Run rm = gantry("container", "rm", "cli-web");
        assertEquals(0, rm.code(), rm.toString());
        Run gone = gantry("container", "inspect", "cli-web");
        assertEquals(1, gone.code());
        assertTrue(gone.err().contains("no such container"), gone.err());
    }

    @Test
    void forceRemovesARunningContainer() {
        Run run = gantry("container", "run", "-d", f.image.toString(), "sleep", "100");
        String id = run.out().trim();
        Run rm = gantry("container", "rm", "-f", id.substring(0, 12));
        assertEquals(0, rm.code(), rm.toString());
        assertEquals(1, gantry("container", "inspect", id).code());
    }
}
