package io.gantry.layercache.content;

import io.gantry.layercache.DigestMismatchException;
import io.gantry.layercache.FailedPreconditionException;
import io.gantry.layercache.NotFoundException;
import io.gantry.protocol.oci.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ContentStoreTest {

    @TempDir
    Path dir;

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    @Test
    void commitMakesTheBlobVisibleOnlyAfterVerification() throws IOException {
        ContentStore store = ContentStore.open(dir);
        byte[] content = random(300_000, 1);
        Digest digest = Digest.sha256(content);

        try (ContentWriter writer = store.writer(digest, content.length)) {
            writer.write(content, 0, 1000);
            assertFalse(store.exists(digest), "half-written blob must not be visible");
            writer.write(content, 1000, content.length - 1000);
            BlobInfo info = writer.commit();
            assertEquals(content.length, info.size());
        }

        assertTrue(store.exists(digest));
        assertEquals(dir.resolve("blobs/sha256/" + digest.hex()), store.blobPath(digest));
        assertArrayEquals(content, store.readAll(digest));
        assertEquals(List.of(), store.ingests(), "commit consumes the ingest");
        assertEquals("r--r--r--", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(store.blobPath(digest))));
        assertEquals(List.of(digest), store.list().stream().map(BlobInfo::digest).toList());
        assertEquals(content.length, store.usage());
    }

    @Test
    void wrongContentIsRefusedWithBothDigestsAndNothingIsCommitted() throws IOException {
        ContentStore store = ContentStore.open(dir);
        byte[] content = "the real layer".getBytes(StandardCharsets.UTF_8);
        byte[] lie = "the fake layer".getBytes(StandardCharsets.UTF_8);
        Digest digest = Digest.sha256(content);

        ContentWriter writer = store.writer(digest, content.length);
        writer.write(lie);
        DigestMismatchException e = assertThrows(DigestMismatchException.class, writer::commit);
        assertEquals("digest mismatch for " + digest + ": got " + Digest.sha256(lie), e.getMessage());
        writer.close();
        assertFalse(store.exists(digest));
        assertFalse(Files.exists(store.blobPath(Digest.sha256(lie))));
        assertEquals(List.of(), store.ingests(), "a mismatching ingest is discarded, not resumed");
    }

    @Test
    void sizeMismatchIsRefused() throws IOException {
        ContentStore store = ContentStore.open(dir);
        byte[] content = random(100, 2);
        Digest digest = Digest.sha256(content);

        try (ContentWriter shortWriter = store.writer(digest, 200)) {
            shortWriter.write(content);
            DigestMismatchException e = assertThrows(DigestMismatchException.class, shortWriter::commit);
            assertTrue(e.getMessage().startsWith("size mismatch for " + digest + ": expected 200 bytes, got 100"),
                    e.getMessage());
        }
        try (ContentWriter longWriter = store.writer(digest, 50)) {
            assertThrows(DigestMismatchException.class, () -> longWriter.write(content));
        }
        assertFalse(store.exists(digest));
        assertEquals(List.of(), store.ingests());
    }

    @Test
    void anInterruptedIngestIsResumedAtItsOffsetWithTheHashRecomputed() throws IOException {
        ContentStore store = ContentStore.open(dir);
        byte[] content = random(1_000_000, 3);
        Digest digest = Digest.sha256(content);

        try (ContentWriter first = store.writer(digest, content.length)) {
            first.write(content, 0, 400_000);
        } // closed without commit: the download "failed"
        assertEquals(400_000, store.ingest(digest).orElseThrow().offset());

        // a new store on the same directory, as after an agent restart
        ContentStore reopened = ContentStore.open(dir);
        assertEquals(400_000, reopened.ingest(digest).orElseThrow().offset(), "a fresh ingest survives a restart");
        try (ContentWriter second = reopened.writer(digest, content.length)) {
            assertEquals(400_000, second.offset());
            second.write(content, 400_000, content.length - 400_000);
            second.commit();
        }
        assertArrayEquals(content, reopened.readAll(digest));
    }

    @Test
    void restartDropsThePartialContent() throws IOException {
        ContentStore store = ContentStore.open(dir);
        byte[] content = random(10_000, 4);
        Digest digest = Digest.sha256(content);
        try (ContentWriter first = store.writer(digest, content.length)) {
            first.write(random(5_000, 99));   // garbage prefix from a misbehaving source
        }
        try (ContentWriter second = store.writer(digest, content.length)) {
            assertEquals(5_000, second.offset());
            second.restart();
            assertEquals(0, second.offset());
            second.write(content);
            second.commit();
        }
        assertArrayEquals(content, store.readAll(digest));
    }

    @Test
    void crashLeftoversAreCleanedWhenTheStoreOpens() throws IOException {
        Instant now = Instant.parse("2030-01-01T00:00:00Z");
        ContentStore.Options options = ContentStore.Options.defaults().withClock(Clock.fixed(now, ZoneOffset.UTC));
        ContentStore store = ContentStore.open(dir, options);
        byte[] committed = random(100, 5);
        Digest committedDigest = store.write(committed).digest();
        Digest fresh = Digest.sha256(random(100, 6));
        Digest old = Digest.sha256(random(100, 7));

        Path ingest = dir.resolve("ingest");
        Files.write(ingest.resolve("tmp-0f0f"), new byte[10]);                       // unkeyed: never resumable
        Files.write(ingest.resolve("sha256-" + committedDigest.hex()), new byte[10]); // blob already there
        Files.write(ingest.resolve("sha256-" + fresh.hex()), new byte[10]);           // resumable
        Files.write(ingest.resolve("sha256-" + old.hex()), new byte[10]);
        Files.setLastModifiedTime(ingest.resolve("sha256-" + fresh.hex()), FileTime.from(now.minusSeconds(60)));
        Files.setLastModifiedTime(ingest.resolve("sha256-" + old.hex()), FileTime.from(now.minus(Duration.ofDays(3))));
        Files.write(ingest.resolve("garbage"), new byte[1]);

        ContentStore.open(dir, options);
        assertEquals(List.of("sha256-" + fresh.hex()),
                store.ingests().stream().map(IngestStatus::ref).toList());
    }

    @Test
    void aSecondWriterForTheSameDigestIsRefusedWhileTheFirstIsOpen() throws IOException {
        ContentStore store = ContentStore.open(dir);
        Digest digest = Digest.sha256(new byte[] {1});
        try (ContentWriter first = store.writer(digest, 1)) {
            FailedPreconditionException e = assertThrows(FailedPreconditionException.class, () -> store.writer(digest, 1));
            assertTrue(e.getMessage().contains("locked"), e.getMessage());
        }
        try (ContentWriter again = store.writer(digest, 1)) {
            again.write(1);
            again.commit();
        }
        assertTrue(store.exists(digest));
    }

    @Test
    void unkeyedWriterCommitsAsWhatItHashedTo() throws IOException {
        ContentStore store = ContentStore.open(dir);
        byte[] content = random(70_000, 8);
        BlobInfo info;
        try (ContentWriter writer = store.writer()) {
            writer.write(content);
            info = writer.commit();
        }
        assertEquals(Digest.sha256(content), info.digest());
        assertArrayEquals(content, store.readAll(info.digest()));

        ContentWriter abandoned = store.writer();
        abandoned.write(content);
        abandoned.close();
        assertEquals(List.of(), store.ingests(), "an unkeyed ingest cannot be resumed, so close discards it");
    }

    @Test
    void openInfoAndDeleteOfMissingBlobs() throws IOException {
        ContentStore store = ContentStore.open(dir);
        Digest missing = Digest.sha256(new byte[] {42});
        NotFoundException e = assertThrows(NotFoundException.class, () -> store.open(missing));
        assertEquals("blob " + missing + " not found in the content store", e.getMessage());
        assertThrows(NotFoundException.class, () -> store.info(missing));
        assertFalse(store.delete(missing));

        Digest present = store.write(new byte[] {42}).digest();
        assertEquals(missing, present);
        assertEquals(1, store.info(present).size());
        assertTrue(store.delete(present));
        assertFalse(store.exists(present));
    }

    @Test
    void concurrentFetchesOfOneDigestShareOneDownload() throws Exception {
        ContentStore store = ContentStore.open(dir);
        byte[] content = random(2_000_000, 9);
        Digest digest = Digest.sha256(content);
        AtomicInteger downloads = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        BlobSource slowSource = writer -> {
            downloads.incrementAndGet();
            started.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new java.io.InterruptedIOException();
            }
            writer.write(content);
        };

        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<BlobInfo>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> store.fetch(digest, content.length, slowSource)));
            }
            assertTrue(started.await(10, TimeUnit.SECONDS));
            Thread.sleep(100); // let the other seven join the flight
            release.countDown();
            for (Future<BlobInfo> result : results) {
                assertEquals(digest, result.get(10, TimeUnit.SECONDS).digest());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, downloads.get());
        assertArrayEquals(content, store.readAll(digest));
        // an existing blob does not call the source at all
        store.fetch(digest, content.length, writer -> {
            throw new AssertionError("source called for a present blob");
        });
    }

    @Test
    void aFailedFlightFailsItsWaitersAndTheNextFetchResumes() throws Exception {
        ContentStore store = ContentStore.open(dir);
        byte[] content = random(500_000, 10);
        Digest digest = Digest.sha256(content);
        IOException cut = assertThrows(IOException.class, () -> store.fetch(digest, content.length, writer -> {
            writer.write(content, 0, 200_000);
            throw new IOException("connection reset");
        }));
        assertEquals("connection reset", cut.getMessage());
        AtomicInteger resumedAt = new AtomicInteger(-1);
        store.fetch(digest, content.length, writer -> {
            resumedAt.set((int) writer.offset());
            writer.write(content, (int) writer.offset(), content.length - (int) writer.offset());
        });
        assertEquals(200_000, resumedAt.get());
        assertArrayEquals(content, store.readAll(digest));
    }

    @Test
    void leasesPersistAndNameTheirDigests() throws IOException {
        ContentStore store = ContentStore.open(dir);
        Digest a = store.write(new byte[] {1}).digest();
        Digest b = store.write(new byte[] {2}).digest();
        store.leases().put("image/localhost:5000/app:1", List.of(a));
        store.leases().add("image/localhost:5000/app:1", List.of(b));
        store.leases().add("container/c1", List.of(b));

        Leases reopened = ContentStore.open(dir).leases();
        assertEquals(Set.of(a, b), reopened.get("image/localhost:5000/app:1").orElseThrow().digests());
        assertEquals(List.of("container/c1", "image/localhost:5000/app:1"),
                reopened.list().stream().map(Leases.Lease::name).toList());
        assertEquals(Set.of(a, b), reopened.leased());
        assertTrue(reopened.delete("container/c1"));
        assertFalse(reopened.delete("container/c1"));
        assertEquals(1, reopened.list().size());
    }

    /** A clock the test moves by hand, so LRU order does not depend on timing. */
    static final class ManualClock extends Clock {
        private Instant now = Instant.parse("2030-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void gcRemovesUnleasedBlobsLeastRecentlyUsedFirstUntilUnderBudget() throws IOException {
        ManualClock clock = new ManualClock();
        ContentStore store = ContentStore.open(dir, ContentStore.Options.defaults().withClock(clock));
        Digest oldest = store.write(random(1000, 11)).digest();
        clock.advance(Duration.ofHours(1));
        Digest leasedOld = store.write(random(1000, 12)).digest();
        clock.advance(Duration.ofHours(1));
        Digest middle = store.write(random(1000, 13)).digest();
        clock.advance(Duration.ofHours(1));
        Digest newest = store.write(random(1000, 14)).digest();
        clock.advance(Duration.ofHours(1));
        try (InputStream in = store.open(oldest)) { // reading makes the oldest the most recently used
            in.readAllBytes();
        }
        store.leases().put("image/app", List.of(leasedOld));

        GcReport nothing = store.gc(4000);
        assertEquals(List.of(), nothing.removed());

        GcReport report = store.gc(2500);
        assertEquals(List.of(middle.toString(), newest.toString()),
                report.removed().stream().map(GcReport.Removed::id).toList());
        assertEquals(4000, report.usageBefore());
        assertEquals(2000, report.usageAfter());
        assertTrue(report.underBudget());
        assertTrue(store.exists(oldest));
        assertTrue(store.exists(leasedOld));

        GcReport overLeased = store.gc(0);
        assertEquals(List.of(oldest.toString()), overLeased.removed().stream().map(GcReport.Removed::id).toList());
        assertFalse(overLeased.underBudget(), "the leased blob alone is over a zero budget");
        assertTrue(store.exists(leasedOld), "gc never removes a leased blob");

        store.leases().delete("image/app");
        assertEquals(1, store.gc(0).removed().size());
        assertEquals(List.of(), store.list());
    }

    @Test
    void gcInterleavesParticipantsByLastUse() throws IOException {
        ManualClock clock = new ManualClock();
        ContentStore store = ContentStore.open(dir, ContentStore.Options.defaults().withClock(clock));
        Digest blob = store.write(random(1000, 15)).digest();
        Digest keptDiffId = Digest.sha256(new byte[] {7});
        store.leases().put("container/c1", List.of(keptDiffId));

        List<String> removedLayers = new ArrayList<>();
        Instant base = clock.instant();
        GcParticipant layers = new GcParticipant() {
            @Override
            public String name() {
                return "layers";
            }

            @Override
            public long usage() {
                return 3000 - removedLayers.size() * 1000L;
            }

            @Override
            public List<Candidate> candidates(Set<Digest> leased) {
                assertTrue(leased.contains(keptDiffId));
                return List.of(new Candidate("layer-older", 1000, base.minusSeconds(60)),
                        new Candidate("layer-newer", 1000, base.plusSeconds(60)));
            }

            @Override
            public long remove(Candidate candidate) {
                removedLayers.add(candidate.id());
                return candidate.size();
            }
        };
        GcReport report = store.gc(2000, List.of(layers));
        assertEquals(List.of("layers:layer-older", "blob:" + blob),
                report.removed().stream().map(r -> r.kind() + ":" + r.id()).toList());
        assertEquals(4000, report.usageBefore());
        assertEquals(2000, report.usageAfter());
    }

    /** Collects what a listener hears, as "+digest size" and "-digest". */
    private static final class Recorder implements ContentListener {
        final List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void committed(Digest digest, long size) {
            heard.add("+" + digest + " " + size);
        }

        @Override
        public void deleted(Digest digest) {
            heard.add("-" + digest);
        }
    }

    @Test
    void listenersHearOfEveryBlobThatBecomesVisibleOrGoesAndOfNothingElse() throws IOException {
        ContentStore store = ContentStore.open(dir);
        Recorder recorder = new Recorder();
        ContentListener failing = new ContentListener() {
            @Override
            public void committed(Digest digest, long size) {
                throw new IllegalStateException("a broken listener");
            }

            @Override
            public void deleted(Digest digest) {
                throw new IllegalStateException("a broken listener");
            }
        };
        store.addListener(failing);
        store.addListener(recorder);

        byte[] a = random(5000, 21);
        Digest da = Digest.sha256(a);
        try (ContentWriter writer = store.writer(da, a.length)) {
            writer.write(a, 0, 100);
            assertEquals(List.of(), recorder.heard, "a half-written blob is no event");
            writer.write(a, 100, a.length - 100);
            writer.commit();
        }
        Digest db = store.write(random(700, 22)).digest();
        store.write(a); // already there: no event
        store.fetch(db, 700, w -> {
            throw new AssertionError("an existing blob is not fetched");
        });
        assertEquals(List.of("+" + da + " 5000", "+" + db + " 700"), recorder.heard,
                "a failing listener does not keep the others from hearing, nor fail the commit");

        store.leases().put("image/a", List.of(da));
        Digest dc = store.write(random(300, 23)).digest();
        recorder.heard.clear();
        assertTrue(store.delete(db));
        assertFalse(store.delete(db));
        store.gc(5000);
        assertEquals(List.of("-" + db, "-" + dc), recorder.heard, "delete and gc; a second delete is no event");

        store.removeListener(recorder);
        store.write(random(10, 24));
        assertEquals(2, recorder.heard.size(), "a removed listener hears nothing more");
    }
}
