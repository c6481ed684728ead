package io.gantry.scheduler.actor;

import io.gantry.protocol.job.JobSpec;
import io.gantry.scheduler.core.SchedulerReply;
import io.gantry.scheduler.persistence.JournalSettings;
import io.gantry.scheduler.view.JobDetail;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The singleton's durability on a real H2 file: what was acknowledged is there after the actor
 * system is restarted on the same directory, with a higher epoch, whether it recovers from a
 * snapshot plus the events after it or from the events alone.
 */
class SchedulerPersistenceTest {

    @TempDir
    Path dir;

    @Test
    void anAcknowledgedJobSurvivesARestartAndTheEpochGrows() throws Exception {
        JournalSettings journal = TestNodes.h2(dir.resolve("journal"));
        // Snapshots every 3 events (whatever the state's size), so that the restart recovers from
        // one plus later events.
        Map<String, Object> conf = Map.of("gantry.scheduler.snapshot-every", 3,
                "gantry.scheduler.snapshot-events-per-item", 0);

        ActorSystem<Void> first = TestNodes.start(TestNodes.config(journal, "scheduler", conf));
        JobDetail before;
        try {
            SchedulerClient client = TestNodes.client(first, TestNodes.startScheduler(first));
            SchedulerReply reply = get(client.submit(JobSpec.builder("web", "registry.local/web:1").count(2).build()));
            SchedulerReply.JobAccepted accepted = assertInstanceOf(SchedulerReply.JobAccepted.class, reply);
            assertEquals(1, accepted.version());
            assertTrue(accepted.created());
            get(client.scale("web", 3));
            get(client.submit(JobSpec.builder("batch", "registry.local/batch:1").build()));
            before = get(client.job("web")).orElseThrow();
            assertEquals(3, before.count());
            assertEquals("pending", before.status());
            assertTrue(before.placementFailure().orElseThrow().reasons().contains("no nodes"),
                    before.placementFailure().toString());
            assertEquals(1, get(client.metrics()).epoch());
        } finally {
            TestNodes.terminate(first);
        }
        assertTrue(rows(journal, "snapshot") > 0, "a snapshot was written");
        // Events are JSON under one manifest, readable without the classes that wrote them.
        try (Connection c = DriverManager.getConnection(journal.url(), journal.user(), journal.password());
             ResultSet rs = c.createStatement().executeQuery("select \"event_ser_id\", \"event_ser_manifest\","
                     + " \"event_payload\" from \"event_journal\" order by \"sequence_number\"")) {
            assertTrue(rs.next());
            assertEquals(SchedulerJsonSerializer.IDENTIFIER, rs.getInt(1));
            assertEquals("event", rs.getString(2));
            String firstEvent = new String(rs.getBytes(3), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(firstEvent.startsWith("{\"type\":\"epoch-started\",\"epoch\":1"), firstEvent);
        }

        ActorSystem<Void> second = TestNodes.start(TestNodes.config(journal, "scheduler", conf));
        try {
            SchedulerClient client = TestNodes.client(second, TestNodes.startScheduler(second));
            JobDetail after = get(client.job("web")).orElseThrow();
            assertEquals(before.spec(), after.spec());
            assertEquals(before.version(), after.version());
            assertEquals(before.allocations().stream().map(a -> a.id()).toList(),
                    after.allocations().stream().map(a -> a.id()).toList());
            assertTrue(get(client.job("batch")).isPresent());
            assertEquals(2, get(client.metrics()).epoch());
        } finally {
            TestNodes.terminate(second);
        }

        // The same state from the events alone.
        ActorSystem<Void> third = TestNodes.start(TestNodes.config(journal, "scheduler",
                Map.of("gantry.scheduler.recover-from-snapshot", false)));
        try {
            SchedulerClient client = TestNodes.client(third, TestNodes.startScheduler(third));
            JobDetail after = get(client.job("web")).orElseThrow();
            assertEquals(before.spec(), after.spec());
            assertEquals(before.allocations().stream().map(a -> a.id()).toList(),
                    after.allocations().stream().map(a -> a.id()).toList());
            assertEquals(3, get(client.metrics()).epoch());
            assertEquals(Optional.empty(), get(client.job("nope")));
        } finally {
            TestNodes.terminate(third);
        }
    }

    @Test
    void snapshotsComeAtAnIntervalThatGrowsWithTheStateAndOnlyTheLatestAreKept() throws Exception {
        JournalSettings journal = TestNodes.h2(dir.resolve("journal"));
        // at least every 2 events, and an event per allocation, node and job
        Map<String, Object> conf = Map.of("gantry.scheduler.snapshot-every", 2,
                "gantry.scheduler.snapshot-events-per-item", 1, "gantry.scheduler.keep-snapshots", 2);
        ActorSystem<Void> system = TestNodes.start(TestNodes.config(journal, "scheduler", conf));
        try {
            SchedulerClient client = TestNodes.client(system, TestNodes.startScheduler(system));
            // a job (no node to run on) scaled up and down: JobScaled + PlanApplied each time, and
            // the state grows by the stopped allocations it keeps (up to 20 per job)
            get(client.submit(JobSpec.builder("web", "registry.local/web:1").count(1).build()));
            for (int i = 0; i < 30; i++) {
                get(client.scale("web", i % 2 == 0 ? 4 : 1));
            }
            TestNodes.await(Duration.ofSeconds(10), "old snapshots deleted", () -> count(journal, "snapshot") == 2);
            List<Long> at = snapshotSequenceNumbers(journal);
            long events = rows(journal, "event_journal");
            assertTrue(events > 60, "events written: " + events);
            // by now the state holds over 20 items: snapshots that far apart, not every 2 events
            assertTrue(at.get(1) - at.get(0) >= 20, "snapshots at " + at + " of " + events + " events");
        } finally {
            TestNodes.terminate(system);
        }
        ActorSystem<Void> again = TestNodes.start(TestNodes.config(journal, "scheduler", conf));
        try {
            SchedulerClient client = TestNodes.client(again, TestNodes.startScheduler(again));
            assertEquals(1, get(client.job("web")).orElseThrow().count(), "recovered from the latest snapshot");
        } finally {
            TestNodes.terminate(again);
        }
    }

    private static long count(JournalSettings journal, String table) {
        try {
            return rows(journal, table);
        } catch (Exception e) {
            throw new AssertionError("cannot count the rows of " + table, e);
        }
    }

    static List<Long> snapshotSequenceNumbers(JournalSettings journal) throws Exception {
        List<Long> out = new java.util.ArrayList<>();
        try (Connection c = DriverManager.getConnection(journal.url(), journal.user(), journal.password());
             ResultSet rs = c.createStatement().executeQuery("select \"sequence_number\" from \"snapshot\""
                     + " order by \"sequence_number\"")) {
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
        }
        return out;
    }

    static long rows(JournalSettings journal, String table) throws Exception {
        try (Connection c = DriverManager.getConnection(journal.url(), journal.user(), journal.password());
             ResultSet rs = c.createStatement().executeQuery("select count(*) from \"" + table + "\"")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static <T> T get(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

}
