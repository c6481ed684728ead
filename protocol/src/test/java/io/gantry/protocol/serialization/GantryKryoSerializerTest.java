package io.gantry.protocol.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.typesafe.config.ConfigFactory;
import io.gantry.protocol.cluster.AgentCommand;
import io.gantry.protocol.cluster.ClusterMessage;
import io.gantry.protocol.cluster.ClusterMessageSamples;
import io.gantry.protocol.cluster.NodeRegistered;
import io.gantry.protocol.cluster.RegisterNode;
import io.gantry.protocol.cluster.RunAllocation;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cluster messages through the real Pekko serialization, in an ActorSystem that serialises every
 * message (as a multi-node cluster would), so that a message that cannot cross the network fails
 * here rather than in a lab.
 */
class GantryKryoSerializerTest {

    private static ActorTestKit testKit;
    private static Serialization serialization;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create("kryo-test", ConfigFactory.parseString("""
                pekko.actor.serialize-messages = on
                pekko.actor.serialize-creators = off
                pekko.actor.allow-java-serialization = off
                pekko.loglevel = WARNING
                """).withFallback(ConfigFactory.load()));
        serialization = SerializationExtension.get(Adapter.toClassic(testKit.system()));
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    private static List<ClusterMessage> samples(ActorRef<AgentCommand> agent) {
        List<ClusterMessage> all = new ArrayList<>(ClusterMessageSamples.all(agent));
        all.addAll(ClusterMessageSamples.edgeCases(agent));
        return all;
    }

    @Test
    void everyClusterMessageHasASample() {
        TestProbe<AgentCommand> agent = testKit.createTestProbe();
        Set<Class<?>> sampled = ClusterMessageSamples.all(agent.ref()).stream().map(Object::getClass)
                .collect(Collectors.toSet());
        for (Class<?> m : KryoRegistrationsTest.concreteSubclasses(ClusterMessage.class)) {
            assertTrue(sampled.contains(m), m.getName() + " has no sample in ClusterMessageSamples.all,"
                    + " so its round trip is not tested");
        }
    }

    @Test
    void everyMessageRoundTripsThroughPekkoSerialization() {
        TestProbe<AgentCommand> agent = testKit.createTestProbe();
        for (ClusterMessage message : samples(agent.ref())) {
            Serializer serializer = serialization.findSerializerFor(message);
            assertInstanceOf(GantryKryoSerializer.class, serializer, message.getClass().getName());
            assertEquals(GantryKryoSerializer.IDENTIFIER, serializer.identifier());
            byte[] bytes = serialization.serialize(message).get();
            Object back = serialization.deserialize(bytes, serializer.identifier(), "").get();
            assertEquals(message, back, message.getClass().getSimpleName());
        }
    }

    @Test
    void everyMessageSurvivesATellWithSerializeMessagesOn() {
        TestProbe<AgentCommand> agent = testKit.createTestProbe();
        TestProbe<ClusterMessage> inbox = testKit.createTestProbe();
        for (ClusterMessage message : samples(agent.ref())) {
            inbox.ref().tell(message);
            ClusterMessage received = inbox.receiveMessage();
            assertEquals(message, received);
            assertNotSame(message, received, "serialize-messages must have copied " + message.getClass().getSimpleName());
        }
    }

    @Test
    void aResolvedActorRefReachesItsActor() {
        TestProbe<ClusterMessage> scheduler = testKit.createTestProbe();
        TestProbe<AgentCommand> agentInbox = testKit.createTestProbe();
        // a message adapter, the way an agent actor with its own Command type receives AgentCommands
        testKit.spawn(Behaviors.<AgentCommand>setup(ctx -> {
            ActorRef<AgentCommand> adapter = ctx.messageAdapter(AgentCommand.class, c -> c);
            scheduler.ref().tell(new RegisterNode(ClusterMessageSamples.nodeInfo(), adapter, 0));
            return Behaviors.receiveMessage(c -> {
                agentInbox.ref().tell(c);
                return Behaviors.same();
            });
        }));
        RegisterNode registered = (RegisterNode) scheduler.receiveMessage();
        registered.agent().tell(new NodeRegistered(5, ClusterMessageSamples.NODE));
        assertEquals(new NodeRegistered(5, ClusterMessageSamples.NODE), agentInbox.receiveMessage());

        // and the system's dead letters, another ActorRef implementation
        RegisterNode toDeadLetters = new RegisterNode(ClusterMessageSamples.nodeInfo(), testKit.system().deadLetters(), 0);
        byte[] bytes = serialization.serialize(toDeadLetters).get();
        assertEquals(toDeadLetters, serialization.deserialize(bytes, GantryKryoSerializer.IDENTIFIER, "").get());
    }

    @Test
    void anUnregisteredTypeFailsNamingTheClassAndTheTable() {
        record Stray(String name) {
        }
        GantryKryoSerializer kryo = serializer();
        ClusterSerializationException stray = assertThrows(ClusterSerializationException.class,
                () -> kryo.toBinary(new Stray("x")));
        assertTrue(stray.getMessage().contains("class " + Stray.class.getName()
                + " is not in io.gantry.protocol.serialization.KryoRegistrations"), stray.getMessage());

        ClusterSerializationException nested = assertThrows(ClusterSerializationException.class,
                () -> kryo.toBinary(Optional.of(new ArrayList<>(List.of("mutable")))));
        assertTrue(nested.getMessage().contains("class java.util.ArrayList is not in"), nested.getMessage());
        assertTrue(nested.getMessage().contains("List.copyOf"), nested.getMessage());
    }

    @Test
    void unknownBytesFailWithAClearError() {
        Output out = new Output(16);
        out.writeVarInt(999 + 2, true); // Kryo writes class ids + 2
        ClusterSerializationException e = assertThrows(ClusterSerializationException.class,
                () -> serializer().fromBinaryJava(out.toBytes(), null));
        assertTrue(e.getMessage().contains("different KryoRegistrations table"), e.getMessage());
        assertTrue(e.getMessage().contains("999"), e.getMessage());
    }

    @Test
    void aKryoWithoutActorSystemRefusesActorRefsButNothingElse() {
        TestProbe<AgentCommand> agent = testKit.createTestProbe();
        Kryo kryo = KryoRegistrations.newKryo(null);
        RunAllocation run = (RunAllocation) ClusterMessageSamples.all(agent.ref()).stream()
                .filter(m -> m instanceof RunAllocation).findFirst().orElseThrow();
        Output out = new Output(256, -1);
        kryo.writeClassAndObject(out, run);
        assertEquals(run, KryoRegistrations.newKryo(null).readClassAndObject(new Input(out.toBytes())));

        RegisterNode register = new RegisterNode(ClusterMessageSamples.nodeInfo(), agent.ref(), 0);
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> KryoRegistrations.newKryo(null).writeClassAndObject(new Output(256, -1), register));
        assertTrue(e.getMessage().contains("without an ActorRefResolver"), e.getMessage());
    }

    @Test
    void thePoolServesConcurrentCallers() throws Exception {
        GantryKryoSerializer kryo = serializer();
        TestProbe<AgentCommand> agent = testKit.createTestProbe();
        List<ClusterMessage> messages = samples(agent.ref());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        ClusterMessage m = messages.get(i % messages.size());
                        assertEquals(m, kryo.fromBinaryJava(kryo.toBinary(m), null));
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static GantryKryoSerializer serializer() {
        return new GantryKryoSerializer((ExtendedActorSystem) Adapter.toClassic(testKit.system()));
    }
}
