package io.gantry.scheduler.actor;

import io.gantry.protocol.allocation.AllocationState;
import io.gantry.scheduler.core.SchedulerEvent;
import io.gantry.scheduler.core.SchedulerHarness;
import io.gantry.scheduler.core.SchedulerReply;
import io.gantry.scheduler.metrics.Histogram;
import io.gantry.scheduler.metrics.MetricsSnapshot;
import io.gantry.scheduler.view.SchedulerChange;
import io.gantry.scheduler.view.SchedulerViews;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * What the scheduler writes and sends goes through Pekko serialization as JSON under fixed
 * manifests: a golden journal written by this version must read back into the same events
 * (journals stay readable across versions), and every API message round-trips, ActorRefs
 * included.
 */
class SchedulerJsonSerializerTest {

    static ActorSystem<Void> system;
    static Serialization serialization;

    @BeforeAll
    static void start() {
        system = ActorSystem.create(Behaviors.empty(), "serializer-test");
        serialization = SerializationExtension.get(Adapter.toClassic(system));
    }

    @AfterAll
    static void stop() {
        TestNodes.terminate(system);
    }

    @Test
    void theGoldenJournalReadsBackIntoTheSameEvents() throws Exception {
        List<String> golden;
        try (InputStream in = getClass().getResourceAsStream("golden-events-v1.jsonl")) {
            assertNotNull(in, "golden-events-v1.jsonl");
            golden = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
        }
        List<SchedulerEvent> samples = SchedulerMessageSamples.events();
        assertEquals(samples.size(), golden.size());
        Set<String> types = new HashSet<>();
        for (int i = 0; i < samples.size(); i++) {
            Object read = serialization.deserialize(golden.get(i).getBytes(StandardCharsets.UTF_8),
                    SchedulerJsonSerializer.IDENTIFIER, "event").get();
            assertEquals(samples.get(i), read, golden.get(i));
            byte[] written = serialization.serialize(samples.get(i)).get();
            assertEquals(golden.get(i), new String(written, StandardCharsets.UTF_8), "the format of " + read);
            types.add(samples.get(i).getClass().getSimpleName());
        }
        assertEquals(SchedulerEvent.class.getPermittedSubclasses().length, types.size(), "one of each event");
    }

    @Test
    void everyApiMessageRoundTrips() {
        ActorRef<Object> ref = system.systemActorOf(Behaviors.ignore(), "sink",
                org.apache.pekko.actor.typed.Props.empty());
        SchedulerHarness h = new SchedulerHarness();
        h.registerNode(SchedulerHarness.node("node-1", 4000, 8L << 30));
        h.submit(SchedulerMessageSamples.spec());
        h.acknowledgeAll();
        var state = h.state();
        String allocation = state.allocationsOf("web").get(0).id().value();
        MetricsSnapshot metrics = new MetricsSnapshot(1, Map.of("running", 1L), SchedulerViews.allocationsByState(state),
                Map.of("ready", 1L), 2, 0, 3, 4, 5, 0, Histogram.Snapshot.empty(Histogram.LATENCY_BOUNDS),
                Histogram.Snapshot.empty(Histogram.LATENCY_BOUNDS), Histogram.Snapshot.empty(List.of(1.0)));
        List<Object> messages = new ArrayList<>(List.of(
                new SchedulerActor.SubmitJob(SchedulerMessageSamples.spec(), ref.narrow()),
                new SchedulerActor.StopJob("web", ref.narrow()),
                new SchedulerActor.ScaleJob("web", 3, ref.narrow()),
                new SchedulerActor.DrainNode("node-1", ref.narrow()),
                new SchedulerActor.GetJobs(ref.narrow()),
                new SchedulerActor.GetJob("web", ref.narrow()),
                new SchedulerActor.GetAllocation(allocation, ref.narrow()),
                new SchedulerActor.GetNodes(ref.narrow()),
                new SchedulerActor.GetNode("node-1", ref.narrow()),
                new SchedulerActor.GetMetrics(ref.narrow()),
                new SchedulerActor.CommandResult(new SchedulerReply.JobAccepted("web", 2, false)),
                new SchedulerActor.CommandResult(new SchedulerReply.Done("job web stopping")),
                new SchedulerActor.CommandResult(new SchedulerReply.Rejected(SchedulerReply.Rejected.Kind.INVALID,
                        "bad", SchedulerMessageSamples.problems())),
                new SchedulerActor.JobList(SchedulerViews.jobs(state)),
                new SchedulerActor.JobAnswer(SchedulerViews.job(state, "web")),
                new SchedulerActor.JobAnswer(Optional.empty()),
                new SchedulerActor.AllocationAnswer(SchedulerViews.allocation(state, allocation)),
                new SchedulerActor.NodeList(SchedulerViews.nodes(state, Map.of())),
                new SchedulerActor.NodeAnswer(SchedulerViews.node(state, "node-1", Map.of())),
                new SchedulerActor.MetricsAnswer(metrics),
                new SchedulerChange(1, 7, "allocation", allocation, AllocationState.RUNNING.text(),
                        Optional.of("web"), Optional.of("node-1"), "", SchedulerMessageSamples.AT),
                state.toSnapshot()));
        Set<Class<?>> covered = new HashSet<>();
        for (Object m : messages) {
            var serializer = serialization.findSerializerFor(m);
            assertEquals(SchedulerJsonSerializer.IDENTIFIER, serializer.identifier(), m.getClass().getName());
            byte[] bytes = serialization.serialize(m).get();
            Object back = serialization.deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, m))
                    .get();
            assertEquals(m, back, m.getClass().getSimpleName());
            covered.add(m.getClass());
        }
        for (Class<?> type : SchedulerJsonSerializer.apiMessageTypes()) {
            assertTrue(type == SchedulerEvent.class || covered.contains(type), "no sample of " + type.getName());
        }
    }
}
