package io.gantry.agent.runtime;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SignalsTest {

    @Test
    void parsesWhatDockerAccepts() {
        assertEquals(15, Signals.parse("SIGTERM"));
        assertEquals(15, Signals.parse("term"));
        assertEquals(9, Signals.parse("9"));
        assertEquals(37, Signals.parse("SIGRTMIN+3"));
        assertEquals(64, Signals.parse("RTMAX"));
        assertEquals(6, Signals.parse("IOT"));
        assertEquals("SIGUSR1", Signals.name(10));
        assertEquals("SIGRTMIN+3", Signals.name(37));
        for (String bad : List.of("", "SIGNOPE", "0", "65", "RTMIN+99")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Signals.parse(bad));
            assertFalse(e.getMessage().isEmpty());
        }
    }

    @Test
    void exitCodesAbove128NameTheSignal() {
        ContainerExit e = ContainerExit.fromCode(137, true, Instant.EPOCH);
        assertEquals(9, e.signal());
        assertTrue(e.oomKilled());
        assertEquals("exit code 137 (SIGKILL), OOM killed", e.toString());
        assertEquals(0, ContainerExit.fromCode(1, false, Instant.EPOCH).signal());
        ContainerExit u = ContainerExit.unknown("shim vanished", Instant.EPOCH);
        assertEquals(ContainerExit.UNKNOWN, u.code());
        assertFalse(u.success());
    }

    @Test
    void cgroupLayoutOfAHybridHost() {
        List<String> mountinfo = List.of(
                "35 25 0:30 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755",
                "40 35 0:35 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
                "41 35 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids",
                "42 35 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw");
        CgroupLayout l = CgroupLayout.parse(mountinfo, List.of());
        assertEquals("/sys/fs/cgroup/memory/gantry/x/memory.oom_control", l.oomCounterFile("/gantry/x").orElseThrow().toString());
        assertEquals(3, l.directoriesOf("/gantry/x").size());
        assertTrue(l.oomCounterFile("relative").isEmpty());
        CgroupLayout v2 = CgroupLayout.parse(List.of("30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw"), List.of("cpu", "memory", "pids"));
        assertEquals("/sys/fs/cgroup/gantry/x/memory.events", v2.oomCounterFile("/gantry/x").orElseThrow().toString());
    }
}
