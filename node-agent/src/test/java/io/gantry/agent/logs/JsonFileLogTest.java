package io.gantry.agent.logs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonFileLogTest {

    @TempDir
    Path tmp;

    private static final Instant T = Instant.parse("2024-05-01T10:00:00.123456700Z");

    private static void line(JsonFileLogWriter w, LogStream s, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        w.write(s, b, 0, b.length, T);
    }

    @Test
    void encodesExactlyAsDockersJsonFileDriver() {
        byte[] b = "a \"q\" <b> & \\ \t\u0001é\n".getBytes(StandardCharsets.UTF_8);
        String json = new String(JsonLogFormat.encode(LogStream.STDERR, b, 0, b.length, T), StandardCharsets.UTF_8);
        assertEquals("{\"log\":\"a \\\"q\\\" \\u003cb\\u003e \\u0026 \\\\ \\t\\u0001é\\n\",\"stream\":\"stderr\","
                + "\"time\":\"2024-05-01T10:00:00.1234567Z\"}\n", json);
        LogEntry e = JsonLogFormat.decode(json.trim());
        assertEquals("a \"q\" <b> & \\ \t\u0001é\n", e.log());
        assertEquals(LogStream.STDERR, e.stream());
        assertEquals(T, e.time());
        assertEquals("2024-05-01T10:00:00Z", JsonLogFormat.formatTime(Instant.parse("2024-05-01T10:00:00Z")));
    }

    @Test
    void invalidUtf8BecomesTheReplacementCharacter() {
        byte[] b = {'o', 'k', (byte) 0xff, '\n'};
        LogEntry e = JsonLogFormat.decode(new String(JsonLogFormat.encode(LogStream.STDOUT, b, 0, b.length, T), StandardCharsets.UTF_8).trim());
        assertEquals("ok\uFFFD\n", e.log());
    }

    @Test
    void rotatesBySizeKeepingMaxFiles() throws Exception {
        Path f = tmp.resolve("container.log");
        try (JsonFileLogWriter w = new JsonFileLogWriter(f, new LogRotation(400, 3))) {
            for (int i = 0; i < 30; i++) {
                line(w, LogStream.STDOUT, "line " + i + "\n");
            }
        }
        assertTrue(Files.exists(f));
        assertTrue(Files.exists(tmp.resolve("container.log.1")));
        assertTrue(Files.exists(tmp.resolve("container.log.2")));
        assertFalse(Files.exists(tmp.resolve("container.log.3")), "max-file 3 = live + 2 rotated");
        for (Path p : List.of(f, tmp.resolve("container.log.1"), tmp.resolve("container.log.2"))) {
            assertTrue(Files.size(p) <= 400, p + " is " + Files.size(p));
        }
        List<LogEntry> all = new JsonFileLogReader(f).readAll();
        assertEquals("line 29", all.get(all.size() - 1).text());
        for (int i = 1; i < all.size(); i++) {
            int prev = Integer.parseInt(all.get(i - 1).text().substring(5));
            assertEquals(prev + 1, Integer.parseInt(all.get(i).text().substring(5)), "consecutive across files");
        }
    }

    @Test
    void tailReadsTheLastLinesAcrossRotatedFiles() throws Exception {
        Path f = tmp.resolve("container.log");
        try (JsonFileLogWriter w = new JsonFileLogWriter(f, new LogRotation(300, 5))) {
            for (int i = 0; i < 20; i++) {
                line(w, i % 2 == 0 ? LogStream.STDOUT : LogStream.STDERR, "n" + i + "\n");
            }
        }
        JsonFileLogReader r = new JsonFileLogReader(f);
        List<LogEntry> last5 = r.tail(5);
        assertEquals(List.of("n15", "n16", "n17", "n18", "n19"), last5.stream().map(LogEntry::text).toList());
        assertEquals(LogStream.STDERR, last5.get(0).stream());
        assertEquals(0, r.tail(0).size());
        assertEquals(20, r.tail(1000).size());
    }

    @Test
    void tailOfABigFileReadsBackwardsInChunks() throws Exception {
        Path f = tmp.resolve("container.log");
        String big = "x".repeat(10_000);
        try (JsonFileLogWriter w = new JsonFileLogWriter(f, LogRotation.NONE)) {
            for (int i = 0; i < 50; i++) {
                line(w, LogStream.STDOUT, i + big + "\n");
            }
        }
        List<LogEntry> t = new JsonFileLogReader(f).tail(3);
        assertEquals(3, t.size());
        assertTrue(t.get(0).text().startsWith("47x"));
        assertTrue(t.get(2).text().startsWith("49x"));
    }

    @Test
    void followSeesNewLinesAndSurvivesRotation() throws Exception {
        Path f = tmp.resolve("container.log");
        JsonFileLogWriter w = new JsonFileLogWriter(f, new LogRotation(250, 4));
        line(w, LogStream.STDOUT, "before-1\n");
        line(w, LogStream.STDOUT, "before-2\n");
        JsonFileLogReader.LogFollower follower = new JsonFileLogReader(f).follow(1);
        CompletableFuture<List<String>> seen = CompletableFuture.supplyAsync(() -> {
            List<String> out = new ArrayList<>();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (out.size() < 13 && System.nanoTime() < deadline) {
                    follower.poll(Duration.ofMillis(200)).forEach(e -> out.add(e.text()));
                }
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
            return out;
        });
        for (int i = 0; i < 12; i++) {
            line(w, LogStream.STDOUT, "after-" + i + "\n");
            Thread.sleep(15);
        }
        w.close();
        List<String> got = seen.get(15, TimeUnit.SECONDS);
        follower.close();
        List<String> expected = new ArrayList<>(List.of("before-2"));
        for (int i = 0; i < 12; i++) {
            expected.add("after-" + i);
        }
        assertEquals(expected, got);
        assertTrue(Files.exists(tmp.resolve("container.log.1")), "the writer did rotate meanwhile");
    }

    @Test
    void splitterCutsLinesKeepsNewlinesAndSplitsLongOnes() {
        List<String> out = new ArrayList<>();
        LogSink sink = (s, b, o, l, t) -> out.add(new String(b, o, l, StandardCharsets.UTF_8));
        LineSplitter sp = new LineSplitter(LogStream.STDOUT, sink, 8, () -> T);
        byte[] in = "ab\ncd".getBytes(StandardCharsets.UTF_8);
        sp.feed(in, 0, in.length);
        byte[] more = "ef\n0123456789\nend".getBytes(StandardCharsets.UTF_8);
        sp.feed(more, 0, more.length);
        sp.finish();
        assertEquals(List.of("ab\n", "cdef\n", "01234567", "89\n", "end"), out);
    }

    @Test
    void sizesParseLikeDockersLogOpts() {
        assertEquals(10L * 1024 * 1024, LogRotation.parseSize("10m"));
        assertEquals(512, LogRotation.parseSize("512"));
        assertEquals(2048, LogRotation.parseSize("2k"));
        assertEquals(1024L * 1024 * 1024, LogRotation.parseSize("1g"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LogRotation.parseSize("ten"));
        assertTrue(e.getMessage().contains("'ten'"));
        assertThrows(IllegalArgumentException.class, () -> new LogRotation(10, 0));
    }
}
