package io.gantry.protocol.serialization;

import com.esotericsoftware.kryo.Kryo;
import io.gantry.protocol.cluster.ClusterMessage;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Guards the registration table: complete for every message, and never renumbered. */
class KryoRegistrationsTest {

    /**
     * The ids as shipped. Nodes of different versions must agree on these, so an existing line
     * never changes: new types are appended with new ids, retired ones stay reserved.
     */
    private static final List<String> GOLDEN = List.of(
            "100 java.util.Optional",
            "101 java.util.OptionalLong",
            "102 java.time.Instant",
            "103 java.time.Duration",
            "104 java.util.ImmutableCollections$ListN",
            "105 java.util.ImmutableCollections$List12",
            "106 java.util.ImmutableCollections$SubList",
            "107 java.util.ImmutableCollections$SetN",
            "108 java.util.ImmutableCollections$Set12",
            "109 java.util.ImmutableCollections$MapN",
            "110 java.util.ImmutableCollections$Map1",
            "111 org.apache.pekko.actor.typed.ActorRef",
            "112 io.gantry.protocol.oci.Digest",
            "200 io.gantry.protocol.job.JobSpec",
            "201 io.gantry.protocol.job.Resources",
            "202 io.gantry.protocol.job.RestartPolicy",
            "203 io.gantry.protocol.job.RestartPolicy$Kind",
            "204 io.gantry.protocol.job.Backoff",
            "205 io.gantry.protocol.job.Volume",
            "206 io.gantry.protocol.job.Volume$Type",
            "207 io.gantry.protocol.job.NetworkMode",
            "208 io.gantry.protocol.job.Constraint",
            "209 io.gantry.protocol.job.Constraint$Operator",
            "210 io.gantry.protocol.job.PlacementStrategy",
            "300 io.gantry.protocol.allocation.AllocationId",
            "301 io.gantry.protocol.allocation.AllocationState",
            "302 io.gantry.protocol.allocation.ExitStatus",
            "303 io.gantry.protocol.allocation.AllocationStatus",
            "304 io.gantry.protocol.allocation.Allocation",
            "400 io.gantry.protocol.node.NodeId",
            "401 io.gantry.protocol.node.NodeResources",
            "402 io.gantry.protocol.node.RuntimeInfo",
            "403 io.gantry.protocol.node.NodeInfo",
            "404 io.gantry.protocol.node.NodeStatus",
            "500 io.gantry.protocol.cluster.RegisterNode",
            "501 io.gantry.protocol.cluster.NodeUsage",
            "502 io.gantry.protocol.cluster.AllocationStatusChanged",
            "503 io.gantry.protocol.cluster.LayersChanged",
            "504 io.gantry.protocol.cluster.ReconcileReport",
            "505 io.gantry.protocol.cluster.ImageLayersResolved",
            "506 io.gantry.protocol.cluster.ImageLayersResolved$Layer",
            "550 io.gantry.protocol.cluster.NodeRegistered",
            "551 io.gantry.protocol.cluster.RunAllocation",
            "552 io.gantry.protocol.cluster.StopAllocation",
            "553 io.gantry.protocol.cluster.ReconcileRequest");

    /** Types Kryo registers itself (ids below 100) and that need no entry of ours. */
    private static final Set<Class<?>> KRYO_BUILT_IN = Set.of(String.class, Integer.class, Long.class,
            Boolean.class, Double.class, Float.class, Short.class, Byte.class, Character.class);

    @Test
    void idsAreStable() {
        List<String> actual = KryoRegistrations.TABLE.stream().map(e -> e.id() + " " + e.type().getName()).toList();
        assertEquals(GOLDEN, actual, "KryoRegistrations changed: append new types with new ids, never renumber");
    }

    @Test
    void idsAndClassesAreUniqueAndClearOfKryosOwn() {
        Set<Integer> ids = new HashSet<>();
        Set<Class<?>> types = new HashSet<>();
        for (KryoRegistrations.Entry e : KryoRegistrations.TABLE) {
            assertTrue(ids.add(e.id()), "id " + e.id() + " used twice");
            assertTrue(types.add(e.type()), e.type() + " registered twice");
            assertTrue(e.id() >= 100, "ids below 100 are Kryo's: " + e);
        }
    }

    @Test
    void aBuiltKryoUsesExactlyTheTablesIds() {
        Kryo kryo = KryoRegistrations.newKryo(null);
        for (KryoRegistrations.Entry e : KryoRegistrations.TABLE) {
            assertEquals(e.id(), kryo.getRegistration(e.type()).getId(), e.type().getName());
        }
        // JDK immutable collections of every size map onto the registered classes
        for (Object c : List.of(List.of(), List.of(1), List.of(1, 2), List.of(1, 2, 3), Set.of(), Set.of(1),
                Set.of(1, 2), Set.of(1, 2, 3), Map.of(), Map.of(1, 1), Map.of(1, 1, 2, 2),
                List.copyOf(new ArrayList<>(List.of(1, 2, 3, 4))), Map.copyOf(Map.of(1, 1, 2, 2, 3, 3)))) {
            assertTrue(KryoRegistrations.idOf(c.getClass()).isPresent(), c.getClass().getName());
        }
    }

    /** Each sealed subclass of ClusterMessage; GantryKryoSerializerTest checks each has a sample too. */
    @Test
    void everyClusterMessageIsRegistered() {
        Set<Class<?>> messages = concreteSubclasses(ClusterMessage.class);
        assertEquals(10, messages.size(), messages.toString());
        List<String> missing = new ArrayList<>();
        for (Class<?> m : messages) {
            if (KryoRegistrations.idOf(m).isEmpty()) {
                missing.add(m.getName() + " is not in KryoRegistrations");
            }
        }
        assertEquals(List.of(), missing);
    }

    @Test
    void everyTypeReachableFromAMessageIsRegistered() {
        List<String> problems = new ArrayList<>();
        Set<Type> seen = new HashSet<>();
        for (Class<?> m : concreteSubclasses(ClusterMessage.class)) {
            walk(m, m.getSimpleName(), seen, problems);
        }
        assertEquals(List.of(), problems);
    }

    /** Follows record components, type arguments and sealed hierarchies; reports what Kryo could not write. */
    private static void walk(Type type, String where, Set<Type> seen, List<String> problems) {
        if (!seen.add(type)) {
            return;
        }
        if (type instanceof ParameterizedType p) {
            Class<?> raw = (Class<?>) p.getRawType();
            walk(raw, where, seen, problems);
            if (raw != ActorRef.class) { // a ref's message type does not travel with it
                for (Type arg : p.getActualTypeArguments()) {
                    walk(arg, where + "<" + arg.getTypeName() + ">", seen, problems);
                }
            }
            return;
        }
        if (!(type instanceof Class<?> c)) {
            problems.add(where + ": type " + type + " cannot be checked");
            return;
        }
        if (c.isPrimitive() || KRYO_BUILT_IN.contains(c)) {
            return;
        }
        if (c == List.class || c == Set.class || c == Map.class) {
            return; // records copy them into the registered ImmutableCollections classes
        }
        if (c.isInterface() && c.isSealed()) {
            for (Class<?> sub : c.getPermittedSubclasses()) {
                walk(sub, where + " as " + sub.getSimpleName(), seen, problems);
            }
            return;
        }
        if (KryoRegistrations.idOf(c).isEmpty()) {
            problems.add(where + ": " + c.getName() + " is not registered");
            return;
        }
        if (c.isRecord()) {
            for (RecordComponent rc : c.getRecordComponents()) {
                walk(rc.getGenericType(), c.getSimpleName() + "." + rc.getName(), seen, problems);
            }
        } else if (!c.isEnum() && c.getPackageName().startsWith("io.gantry")) {
            problems.add(where + ": " + c.getName() + " is neither a record nor an enum");
        }
    }

    static Set<Class<?>> concreteSubclasses(Class<?> sealed) {
        Set<Class<?>> out = new LinkedHashSet<>();
        for (Class<?> sub : sealed.getPermittedSubclasses()) {
            if (sub.isSealed()) {
                out.addAll(concreteSubclasses(sub));
            } else if (sub.isInterface()) {
                fail(sub + " is a non-sealed interface under " + sealed + ": its implementations cannot be checked");
            } else {
                out.add(sub);
            }
        }
        return out;
    }
}
