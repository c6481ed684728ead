package io.gantry.agent.snapshot;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class MetadataStoreTest {
    @TempDir
    Path dir;

    @Test
    void recordsSurviveAReopenWithTheirStacks() throws IOException {
        MetadataStore store = new MetadataStore(dir);
        SnapshotRecord r = new SnapshotRecord("key with spaces/and=signs", SnapshotInfo.Kind.ACTIVE, "sha256:parent",
                "abc123", Instant.parse("2026-01-01T00:00:00Z"), null, List.of(Path.of("/a"), Path.of("/b")));
        store.put(r);
        assertEquals(r, new MetadataStore(dir).get(r.name()));
    }

    @Test
    void aCommitInterruptedBetweenItsTwoWritesCompletesAtReopen() throws IOException {
        MetadataStore store = new MetadataStore(dir);
        Instant now = Instant.now();
        store.put(new SnapshotRecord("build", SnapshotInfo.Kind.ACTIVE, null, "id1", now, null, List.of()));
        // the first half of rename(): the committed record is written, the active one not yet deleted
        store.put(new SnapshotRecord("image", SnapshotInfo.Kind.COMMITTED, null, "id1", now, null,
                List.of(Path.of("/x/fs"))));
        MetadataStore reopened = new MetadataStore(dir);
        assertNull(reopened.get("build"));
        assertEquals(SnapshotInfo.Kind.COMMITTED, reopened.get("image").kind());
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count());
        }
    }

    @Test
    void aRecordAMachineCrashLeftUnreadableIsSetAsideAndTheOthersLoad() throws IOException {
        MetadataStore store = new MetadataStore(dir);
        Instant now = Instant.now();
        store.put(new SnapshotRecord("layer", SnapshotInfo.Kind.COMMITTED, null, null, now, "sha256:aa", List.of(Path.of("/l"))));
        store.put(new SnapshotRecord("init/layer", SnapshotInfo.Kind.COMMITTED, "layer", null, now, "sha256:bb",
                List.of(Path.of("/i"), Path.of("/l"))), false);
        store.put(new SnapshotRecord("container/c1", SnapshotInfo.Kind.ACTIVE, "init/layer", "id1", now, null,
                List.of(Path.of("/i"), Path.of("/l"))));
        // unflushed records after a power cut: one renamed in place but empty, one with half its lines
        Path empty;
        Path half;
        try (var files = Files.list(dir)) {
            List<Path> all = files.sorted().toList();
            empty = all.stream().filter(f -> read(f).contains("name=init/layer")).findFirst().orElseThrow();
            half = all.stream().filter(f -> read(f).contains("name=container/c1")).findFirst().orElseThrow();
        }
        Files.write(empty, new byte[0]);
        Files.writeString(half, "stack.0=/i\n");

        MetadataStore reopened = new MetadataStore(dir);
        assertEquals("sha256:aa", reopened.get("layer").layer(), "the durable record loads");
        assertNull(reopened.get("init/layer"));
        assertNull(reopened.get("container/c1"));
        assertTrue(Files.exists(dir.resolve(".bad-" + empty.getFileName())), "set aside, not deleted");
        assertTrue(Files.exists(dir.resolve(".bad-" + half.getFileName())));
        assertEquals(1, new MetadataStore(dir).all().size(), "what was set aside stays aside at the next start");
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
