package io.gantry.protocol.allocation;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.serialization.GantryJson;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AllocationTest {

    private static final AllocationId ID = AllocationId.of("3f2a9c1e-0b7d-4c55-9e1a-6d2f8b4a7c10");
    private static final NodeId NODE = NodeId.of("node-1");
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static Instant t(int seconds) {
        return T0.plusSeconds(seconds);
    }

    @Test
    void walksTheLifecycleKeepingTimestamps() {
        Allocation a = Allocation.pending(ID, "web", 2, 0, T0);
        assertEquals(AllocationState.PENDING, a.state());
        assertTrue(a.nodeId().isEmpty());

        a = a.placedOn(NODE, t(1));
        assertEquals(Optional.of(NODE), a.nodeId());
        a = a.transition(AllocationState.PULLING, t(2), "pulling 3 layers");
        a = a.transition(AllocationState.RUNNING, t(5), "");
        assertEquals(Optional.of(t(5)), a.startedAt());

        a = a.apply(new AllocationStatus(ID, AllocationState.STARTING, Optional.of(ExitStatus.exited(3)), 1,
                "restart 1 in 1s", Optional.of(t(11)), t(10)));
        assertEquals(AllocationState.STARTING, a.state());
        assertEquals(1, a.restartCount());
        assertEquals(Optional.of(ExitStatus.exited(3)), a.exit());

        a = a.transition(AllocationState.RUNNING, t(11), "");
        assertEquals(Optional.of(t(5)), a.startedAt(), "startedAt is the first start");
        a = a.apply(new AllocationStatus(ID, AllocationState.FAILED, Optional.of(ExitStatus.outOfMemory()), 1,
                "OOM killed", Optional.empty(), t(20)));
        assertEquals(Optional.of(t(20)), a.finishedAt());
        assertEquals(t(20), a.modifiedAt());
        assertEquals(T0, a.createdAt());
        assertTrue(a.exit().orElseThrow().oomKilled());
    }

    @Test
    void refusesIllegalTransitionsNamingThem() {
        Allocation done = Allocation.pending(ID, "web", 1, 0, T0).placedOn(NODE, t(1))
                .transition(AllocationState.EXITED, t(2), "");
        IllegalTransitionException e = assertThrows(IllegalTransitionException.class,
                () -> done.transition(AllocationState.RUNNING, t(3), ""));
        assertEquals("allocation " + ID + ": cannot go from exited to running (exited is final)", e.getMessage());
        assertEquals(AllocationState.EXITED, e.from());

        Allocation pending = Allocation.pending(ID, "web", 1, 0, T0);
        assertThrows(IllegalTransitionException.class, () -> pending.transition(AllocationState.RUNNING, t(1), ""));
        assertThrows(IllegalArgumentException.class, () -> pending.transition(AllocationState.PLACED, t(1), ""));
        Allocation running = pending.placedOn(NODE, t(1)).transition(AllocationState.RUNNING, t(2), "");
        assertThrows(IllegalTransitionException.class, () -> running.transition(AllocationState.PULLING, t(3), ""));
        assertThrows(IllegalArgumentException.class, () -> running.apply(
                AllocationStatus.of(AllocationId.of("other"), AllocationState.RUNNING, "", t(3))));
    }

    @Test
    void anAllocationHoldingResourcesHasANode() {
        assertThrows(IllegalArgumentException.class, () -> new Allocation(ID, "web", 1, 0, Optional.empty(),
                AllocationState.RUNNING, T0, T0, Optional.empty(), Optional.empty(), Optional.empty(), 0, ""));
    }

    @Test
    void roundTripsAsJson() throws Exception {
        ObjectMapper mapper = GantryJson.mapper();
        Allocation a = Allocation.pending(ID, "web", 2, 1, T0).placedOn(NODE, t(1))
                .transition(AllocationState.RUNNING, t(2), "")
                .apply(new AllocationStatus(ID, AllocationState.FAILED, Optional.of(ExitStatus.killed(15)), 0,
                        "stopped by signal", Optional.empty(), t(3)));
        String json = mapper.writeValueAsString(a);
        assertTrue(json.contains("\"state\":\"failed\""), json);
        assertTrue(json.contains("\"nodeId\":\"node-1\""), json);
        assertTrue(json.contains("\"createdAt\":\"2026-01-01T00:00:00Z\""), json);
        assertEquals(a, mapper.readValue(json, Allocation.class));
    }

    @Test
    void randomIdsAreUuidShapedAndReproducibleFromASeed() {
        AllocationId a = AllocationId.random(new Random(42));
        assertEquals(a, AllocationId.random(new Random(42)));
        assertNotEquals(a, AllocationId.random(new Random(43)));
        assertTrue(a.value().matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), a.value());
        assertEquals(8, a.shortId().length());
    }

    @Test
    void idsRefuseCharactersThatAreUnsafeInPaths() {
        for (String bad : new String[]{"", "../x", "a/b", "A", "-a", "a-", "a b"}) {
            assertThrows(IllegalArgumentException.class, () -> AllocationId.of(bad), bad);
        }
    }

    @Test
    void exitStatusReadsLikeAShell() {
        assertTrue(ExitStatus.exited(0).success());
        assertFalse(ExitStatus.exited(1).success());
        assertEquals(new ExitStatus(143, 15, false), ExitStatus.killed(15));
        assertEquals("OOM killed (exit 137)", ExitStatus.outOfMemory().toString());
        assertThrows(IllegalArgumentException.class, () -> ExitStatus.exited(256));
    }
}
