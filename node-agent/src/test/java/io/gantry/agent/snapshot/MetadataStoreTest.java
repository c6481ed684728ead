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
}
