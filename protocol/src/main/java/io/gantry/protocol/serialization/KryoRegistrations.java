package io.gantry.protocol.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.util.DefaultClassResolver;
import com.esotericsoftware.kryo.util.MapReferenceResolver;
import io.gantry.protocol.allocation.Allocation;
import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.allocation.AllocationState;
import io.gantry.protocol.allocation.AllocationStatus;
import io.gantry.protocol.allocation.ExitStatus;
import io.gantry.protocol.cluster.AllocationStatusChanged;
import io.gantry.protocol.cluster.ImageLayersResolved;
import io.gantry.protocol.cluster.LayersChanged;
import io.gantry.protocol.cluster.NodeRegistered;
import io.gantry.protocol.cluster.NodeUsage;
import io.gantry.protocol.cluster.ReconcileReport;
import io.gantry.protocol.cluster.ReconcileRequest;
import io.gantry.protocol.cluster.RegisterNode;
import io.gantry.protocol.cluster.RunAllocation;
import io.gantry.protocol.cluster.StopAllocation;
import io.gantry.protocol.job.Backoff;
import io.gantry.protocol.job.Constraint;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.job.NetworkMode;
import io.gantry.protocol.job.PlacementStrategy;
import io.gantry.protocol.job.Resources;
import io.gantry.protocol.job.RestartPolicy;
import io.gantry.protocol.job.Volume;
import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.node.NodeInfo;
import io.gantry.protocol.node.NodeResources;
import io.gantry.protocol.node.NodeStatus;
import io.gantry.protocol.node.RuntimeInfo;
import io.gantry.protocol.oci.Digest;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The one table of Kryo class ids for everything that crosses the network between Gantry nodes.
 * Every node must register exactly the same ids, so the rules are: <b>append, never renumber</b>;
 * a retired class keeps its id reserved (leave a comment); a test holds the golden list and fails
 * on any change to an existing line.
 *
 * <p>Blocks: 100–199 JDK and library types, 200–299 job model, 300–399 allocation model,
 * 400–499 node model, 500–599 cluster messages. Ids below 100 are Kryo's own (primitives, String).
 *
 * <p>Records go through Kryo's RecordSerializer (its default for records), the JDK's immutable
 * collections ({@code List.of}, {@code List.copyOf}, ...) through its ImmutableCollections
 * serializers, and every implementation of a typed {@link ActorRef} through one entry that writes
 * the ref's serialisation format ({@link TypedActorRefSerializer}).
 */
public final class KryoRegistrations {

    /** One line of the table. */
    public record Entry(int id, Class<?> type) {
    }

    public static final List<Entry> TABLE = List.of(
            // 100–199: JDK and library types
            new Entry(100, Optional.class),
            new Entry(101, OptionalLong.class),
            new Entry(102, Instant.class),
            new Entry(103, Duration.class),
            new Entry(104, List.of().getClass()),               // ImmutableCollections$ListN
            new Entry(105, List.of(1).getClass()),              // ImmutableCollections$List12
            new Entry(106, List.of(1, 2, 3).subList(0, 1).getClass()), // ImmutableCollections$SubList
            new Entry(107, Set.of().getClass()),                // ImmutableCollections$SetN
            new Entry(108, Set.of(1).getClass()),               // ImmutableCollections$Set12
            new Entry(109, Map.of().getClass()),                // ImmutableCollections$MapN
            new Entry(110, Map.of(1, 1).getClass()),            // ImmutableCollections$Map1
            new Entry(111, ActorRef.class),                     // every typed ActorRef implementation
            new Entry(112, Digest.class),
            // 200–299: job model
            new Entry(200, JobSpec.class),
            new Entry(201, Resources.class),
            new Entry(202, RestartPolicy.class),
            new Entry(203, RestartPolicy.Kind.class),
            new Entry(204, Backoff.class),
            new Entry(205, Volume.class),
            new Entry(206, Volume.Type.class),
            new Entry(207, NetworkMode.class),
            new Entry(208, Constraint.class),
            new Entry(209, Constraint.Operator.class),
            new Entry(210, PlacementStrategy.class),
            // 300–399: allocation model
            new Entry(300, AllocationId.class),
            new Entry(301, AllocationState.class),
            new Entry(302, ExitStatus.class),
            new Entry(303, AllocationStatus.class),
            new Entry(304, Allocation.class),
            // 400–499: node model
            new Entry(400, NodeId.class),
            new Entry(401, NodeResources.class),
            new Entry(402, RuntimeInfo.class),
            new Entry(403, NodeInfo.class),
            new Entry(404, NodeStatus.class),
            // 500–599: cluster messages; agent → scheduler from 500, scheduler → agent from 550
            new Entry(500, RegisterNode.class),
            new Entry(501, NodeUsage.class),
            new Entry(502, AllocationStatusChanged.class),
            new Entry(503, LayersChanged.class),
            new Entry(504, ReconcileReport.class),
            new Entry(505, ImageLayersResolved.class),
            new Entry(506, ImageLayersResolved.Layer.class),
            new Entry(550, NodeRegistered.class),
            new Entry(551, RunAllocation.class),
            new Entry(552, StopAllocation.class),
            new Entry(553, ReconcileRequest.class));

    private static final Map<Class<?>, Integer> IDS = index();

    private KryoRegistrations() {
    }

    private static Map<Class<?>, Integer> index() {
        Map<Class<?>, Integer> ids = new HashMap<>();
        Set<Integer> seen = new java.util.HashSet<>();
        for (Entry e : TABLE) {
            if (!seen.add(e.id()) || ids.put(e.type(), e.id()) != null) {
                throw new IllegalStateException("KryoRegistrations: duplicate entry " + e);
            }
        }
        return Map.copyOf(ids);
    }

    /** The registered id of {@code type}, if it has one. */
    public static Optional<Integer> idOf(Class<?> type) {
        return Optional.ofNullable(IDS.get(type));
    }

    /**
     * A Kryo with the whole table registered and registration required.
     *
     * @param resolver resolves typed ActorRefs; null outside an ActorSystem (then an ActorRef
     *                 cannot be written, with an error saying so)
     */
    public static Kryo newKryo(ActorRefResolver resolver) {
        Kryo kryo = new GantryKryo();
        kryo.setRegistrationRequired(true);
        kryo.setReferences(false);
        for (Entry e : TABLE) {
            if (e.type() == ActorRef.class) {
                kryo.register(ActorRef.class, new TypedActorRefSerializer(resolver), e.id());
            } else {
                kryo.register(e.type(), e.id());
            }
        }
        return kryo;
    }

    /**
     * Kryo with two Gantry twists: any typed ActorRef implementation (adapters, function refs,
     * refs resolved from another node) uses the one ActorRef registration, and an unregistered
     * class gets an error that says where to fix it.
     */
    private static final class GantryKryo extends Kryo {
        GantryKryo() {
            super(new DefaultClassResolver(), new MapReferenceResolver());
        }

        @Override
        public Registration getRegistration(Class type) {
            Registration r = getClassResolver().getRegistration(type);
            if (r == null && ActorRef.class.isAssignableFrom(type)) {
                r = getClassResolver().getRegistration(ActorRef.class);
            }
            return r != null ? r : super.getRegistration(type);
        }

        @Override
        protected String unregisteredClassMessage(Class type) {
            return "class " + type.getName() + " is not in io.gantry.protocol.serialization.KryoRegistrations."
                    + " Cluster messages may only hold registered records and enums, String, primitives, Instant,"
                    + " Duration, Optional, immutable List/Set/Map (List.copyOf, Map.copyOf) and typed ActorRefs;"
                    + " register a new type there with the next free id";
        }
    }
}
