package io.gantry.ops.node.images;

import io.gantry.agent.posix.Posix;
import io.gantry.ops.Main;
import io.gantry.ops.cli.Cli;
import io.gantry.ops.cli.CliContext;
import io.gantry.ops.cli.CommandGroup;
import io.gantry.ops.server.GantryServer;
import io.gantry.ops.server.TestServers;
import io.gantry.scheduler.api.ApiJson;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
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

/** {@code gantry image …} against a real node over real HTTP, as a user types it. */
class ImageCliTest {

    @TempDir
    static Path dir;
    static ImageFixtures fixtures;
    static GantryServer server;

    record Run(int code, String out, String err) {
    }

    @BeforeAll
    static void start() throws Exception {
        fixtures = new ImageFixtures(dir.resolve("registry"));
        server = TestServers.start(dir.resolve("node"));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (fixtures != null) {
            fixtures.close();
        }
    }

    static Run gantry(String... args) {
        return run(Main.commands(), args);
    }

    static Run run(CommandGroup commands, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CliContext ctx = new CliContext(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of("GANTRY_ADDR", server.httpUri().toString(), "GANTRY_TOKEN", server.token()), dir);
        int code = new Cli(commands).run(List.of(args), ctx);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static void assertFailsWithOneLine(Run r, String contains) {
        assertEquals(1, r.code(), r.toString());
        assertEquals(1, r.err().lines().count(), "one line on stderr: " + r.err());
        assertTrue(r.err().contains(contains), r.err());
    }

    @Test
    void pullLsInspectHistoryRm() throws Exception {
        String ref = fixtures.busybox.toString();
        Run pull = gantry("image", "pull", "--plain-http", ref);
        assertEquals(0, pull.code(), pull.toString());
        assertTrue(pull.out().contains("pulled " + ref), pull.out());
        for (var layer : fixtures.busyboxImage.manifest().value().layers()) {
            String shortHex = layer.digest().hex().substring(0, 12);
            assertTrue(pull.out().lines().anyMatch(l -> l.startsWith(shortHex + ": done") || l.startsWith(shortHex + ": exists")),
                    "a plain progress line per layer (no terminal): " + pull.out());
        }
        assertFalse(pull.out().contains("\033["), "no cursor movement when stdout is not a terminal");

        Run ls = gantry("image", "ls");
        assertEquals(0, ls.code(), ls.toString());
        assertTrue(ls.out().startsWith("REFERENCE"), ls.out());
        assertTrue(ls.out().contains(ref), ls.out());
        Run lsJson = gantry("image", "ls", "--json");
        assertEquals(ref, ApiJson.MAPPER.readTree(lsJson.out()).path("images").get(0).path("reference").asText());

        Run inspect = gantry("image", "inspect", ref);
        assertEquals(0, inspect.code(), inspect.toString());
        var node = ApiJson.MAPPER.readTree(inspect.out());
        assertEquals(3, node.path("manifest").path("layers").size());
        assertEquals("/app", node.path("config").path("config").path("WorkingDir").asText());

        Run history = gantry("image", "history", ref);
        assertEquals(0, history.code(), history.toString());
        List<String> lines = history.out().lines().toList();
        assertEquals(5, lines.size(), history.out());
        assertTrue(lines.get(1).contains("COPY app /app"), "newest first: " + history.out());
        assertTrue(lines.get(3).contains("ENV PATH=/bin") && lines.get(3).contains("0 B"), history.out());
        Run historyJson = gantry("image", "history", "--json", ref);
        assertEquals(4, ApiJson.MAPPER.readTree(historyJson.out()).path("history").size());

        Run rm = gantry("image", "rm", ref);
        assertEquals(0, rm.code(), rm.toString());
        assertFailsWithOneLine(gantry("image", "inspect", ref), "not found");
        Run gc = gantry("image", "gc", "--budget", "0");
        assertEquals(0, gc.code(), gc.toString());
        assertTrue(gc.out().startsWith("freed "), gc.out());
    }

    @Test
    void errorsAreOneLineAndNonZero() {
        assertFailsWithOneLine(gantry("image", "pull", "--plain-http", fixtures.ref("nope:1").toString()), "nope");
        assertFailsWithOneLine(gantry("image", "pull", "--plain-http", fixtures.evil.toString()), "../../outside.txt");
        assertFailsWithOneLine(gantry("image", "pull", "--plain-http", "127.0.0.1:1/x:1"), "127.0.0.1:1");
        assertFailsWithOneLine(gantry("image", "inspect", "Not::A::Ref"), "invalid image reference 'Not::A::Ref'");
        assertFailsWithOneLine(gantry("image", "unmount", "not-mounted"), "no image is mounted");
        Run usage = gantry("image", "pull");
        assertEquals(2, usage.code(), usage.toString());
        Run wrongToken = run(Main.commands(), "image", "ls", "--addr", server.httpUri().toString());
        assertEquals(0, wrongToken.code(), "GANTRY_TOKEN still applies: " + wrongToken);
        Run help = gantry("image", "--help");
        assertEquals(0, help.code());
        for (String command : List.of("pull", "push", "import", "export", "ls", "inspect", "history", "rm", "gc", "mount", "unmount")) {
            assertTrue(help.out().contains(command), command + " in " + help.out());
        }
    }

    @Test
    void pushExportImport() {
        String ref = fixtures.busybox.toString();
        assertEquals(0, gantry("image", "pull", "--plain-http", ref).code());
        Run export = gantry("image", "export", ref, "exported");
        assertEquals(0, export.code(), export.toString());
        assertTrue(Files.isRegularFile(dir.resolve("exported/index.json")), "relative paths are resolved here");
        Run imported = gantry("image", "import", "exported");
        assertEquals(0, imported.code(), imported.toString());
        assertTrue(imported.out().contains("imported " + ref), imported.out());
        Run push = gantry("image", "push", "--plain-http", ref, fixtures.ref("pushed:1").toString());
        assertEquals(0, push.code(), push.toString());
        assertTrue(push.out().startsWith("pushed " + fixtures.ref("pushed:1")), push.out());
    }

    @Test
    void mountAndUnmount() {
        Assumptions.assumeTrue(Posix.get().isRoot(), "mounting needs root");
        String ref = fixtures.busybox.toString();
        assertEquals(0, gantry("image", "pull", "--plain-http", ref).code());
        Run mount = gantry("image", "mount", ref, "rootfs");
        assertEquals(0, mount.code(), mount.toString());
        try {
            assertTrue(Files.isRegularFile(dir.resolve("rootfs/bin/busybox")));
        } finally {
            Run unmount = gantry("image", "unmount", "rootfs");
            assertEquals(0, unmount.code(), unmount.toString());
        }
        assertFalse(Files.exists(dir.resolve("rootfs/bin")));
    }

    @Test
    void onATerminalEachLayerGetsABar() {
        String ref = fixtures.busybox.toString();
        Run pull = run(terminalCommands(), "image", "pull", "--plain-http", ref);
        assertEquals(0, pull.code(), pull.toString());
        assertTrue(pull.out().contains("\033[") && pull.out().contains("["), pull.out());
    }

    static CommandGroup terminalCommands() {
        CommandGroup gantry = new CommandGroup("gantry", "test");
        gantry.add(ImageCommands.group(() -> true));
        return gantry;
    }
}
