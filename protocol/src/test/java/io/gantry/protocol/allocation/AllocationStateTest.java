package io.gantry.protocol.allocation;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import static io.gantry.protocol.allocation.AllocationState.EXITED;
import static io.gantry.protocol.allocation.AllocationState.FAILED;
import static io.gantry.protocol.allocation.AllocationState.LOST;
import static io.gantry.protocol.allocation.AllocationState.PENDING;
import static io.gantry.protocol.allocation.AllocationState.PLACED;
import static io.gantry.protocol.allocation.AllocationState.PULLING;
import static io.gantry.protocol.allocation.AllocationState.RUNNING;
import static io.gantry.protocol.allocation.AllocationState.STARTING;
import static io.gantry.protocol.allocation.AllocationState.STOPPED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AllocationStateTest {

    @Test
    void terminalStatesAreTheFourEndings() {
        Set<AllocationState> terminal = EnumSet.noneOf(AllocationState.class);
        for (AllocationState s : AllocationState.values()) {
            if (s.terminal()) {
                terminal.add(s);
            }
        }
        assertEquals(EnumSet.of(EXITED, FAILED, LOST, STOPPED), terminal);
    }

    @Test
    void onlyPlacedUnfinishedAllocationsHoldResources() {
        Set<AllocationState> holding = EnumSet.noneOf(AllocationState.class);
        for (AllocationState s : AllocationState.values()) {
            if (s.holdsResources()) {
                holding.add(s);
            }
        }
        assertEquals(EnumSet.of(PLACED, PULLING, STARTING, RUNNING), holding);
    }

    @Test
    void theWholeTransitionTable() {
        Set<AllocationState> endings = EnumSet.of(EXITED, FAILED, LOST, STOPPED);
        Map<AllocationState, Set<AllocationState>> expected = Map.of(
                PENDING, EnumSet.of(PENDING, PLACED, STOPPED),
                PLACED, union(EnumSet.of(PLACED, PULLING, STARTING, RUNNING), endings),
                PULLING, union(EnumSet.of(PULLING, STARTING, RUNNING), endings),
                STARTING, union(EnumSet.of(STARTING, RUNNING), endings),
                RUNNING, union(EnumSet.of(RUNNING, STARTING), endings),
                EXITED, EnumSet.noneOf(AllocationState.class),
                FAILED, EnumSet.noneOf(AllocationState.class),
                LOST, EnumSet.noneOf(AllocationState.class),
                STOPPED, EnumSet.noneOf(AllocationState.class));
        for (AllocationState s : AllocationState.values()) {
            assertEquals(expected.get(s), s.successors(), "from " + s);
        }
    }

    @Test
    void jsonTextIsLowercase() {
        for (AllocationState s : AllocationState.values()) {
            assertEquals(s, AllocationState.fromText(s.text()));
        }
        assertEquals("running", RUNNING.text());
        assertThrows(IllegalArgumentException.class, () -> AllocationState.fromText("RUNNING"));
    }

    private static Set<AllocationState> union(Set<AllocationState> a, Set<AllocationState> b) {
        Set<AllocationState> out = EnumSet.copyOf(a);
        out.addAll(b);
        return out;
    }
}
