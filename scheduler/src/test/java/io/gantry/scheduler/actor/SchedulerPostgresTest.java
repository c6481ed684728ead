package io.gantry.scheduler.actor;

import io.gantry.protocol.job.JobSpec;
import io.gantry.scheduler.core.SchedulerReply;
import io.gantry.scheduler.persistence.JournalSchema;
import io.gantry.scheduler.persistence.JournalSettings;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The journal on a real PostgreSQL (a throwaway server started for the test): the schema is
 * created from the persistence plugin's script, and two scheduler nodes share it, so that when
 * the node hosting the singleton leaves, the other one recovers every acknowledged job with a
 * higher epoch.
 */
@Tag("slow")
class SchedulerPostgresTest {

    @Test
    void twoSchedulerNodesShareTheJournalAndTheSingletonMoves() throws Exception {
        try (ThrowawayPostgres pg = ThrowawayPostgres.start()) {
            JournalSettings journal = JournalSettings.postgres(pg.url("gantry"), "postgres", "");
            assertTrue(JournalSchema.ensure(journal), "tables created");
            assertFalse(JournalSchema.ensure(journal), "and only once");

            ActorSystem<Void> a = TestNodes.start(TestNodes.config(journal, "scheduler", Map.of()));
            ActorSystem<Void> b = TestNodes.start(TestNodes.config(journal, "scheduler", Map.of()));
            try {
                Cluster.get(a).manager().tell(Join.create(Cluster.get(a).selfMember().address()));
                TestNodes.awaitUp(a);
                Cluster.get(b).manager().tell(Join.create(Cluster.get(a).selfMember().address()));
                TestNodes.await(Duration.ofSeconds(30), "two members up", () ->
                        StreamSupport.stream(Cluster.get(b).state().getMembers().spliterator(), false)
                                .filter(m -> m.status() == MemberStatus.up()).count() == 2);
                SchedulerSingleton.init(a, SchedulerSettings.from(a.settings().config()), Clock.systemUTC());
                ActorRef<Object> proxyB = SchedulerSingleton.init(b, SchedulerSettings.from(b.settings().config()),
                        Clock.systemUTC());
                SchedulerClient client = TestNodes.client(b, proxyB);

                SchedulerReply reply = SchedulerPersistenceTest.get(
                        client.submit(JobSpec.builder("web", "busybox").count(3).build()));
                assertInstanceOf(SchedulerReply.JobAccepted.class, reply);
                assertEquals(1, SchedulerPersistenceTest.get(client.metrics()).epoch());

                TestNodes.terminate(a); // leaves the cluster: the singleton is handed over to b

                TestNodes.await(Duration.ofSeconds(60), "the singleton on b", () -> {
                    try {
                        return SchedulerPersistenceTest.get(client.metrics()).epoch() == 2;
                    } catch (Exception e) {
                        return false;
                    }
                });
                assertEquals(3, SchedulerPersistenceTest.get(client.job("web")).orElseThrow().count());
                assertTrue(SchedulerPersistenceTest.rows(journal, "event_journal") >= 3);
            } finally {
                if (!a.whenTerminated().isCompleted()) {
                    TestNodes.terminate(a);
                }
                TestNodes.terminate(b);
            }
        }
    }
}
