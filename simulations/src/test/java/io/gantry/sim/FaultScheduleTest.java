package io.gantry.sim;

import org.junit.jupiter.api.Test;

import java.util.BitSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FaultScheduleTest {

    private final Topology topo = new Topology(100, 3);
    private final List<String> jobs = Workload.jobIdsFor(10);

    @Test
    void aScheduleReadsBackAsWritten() {
        String text = String.join("\n",
                "# comment",
                "90s partition side=n0001..n0040,n0077,s2 dir=both for=2m",
                "2m node-crash node=n0003 for=45s   # trailing comment",
                "3m clock-jump node=s1 by=-1m30s",
                "4m crash-loop job=job-0004 for=1m",
                "5m failover mode=handover for=20s",
                "6m oom node=n0010 p=0.5 for=1m",
                "7m slow-pulls factor=0.1 for=1m",
                "8m failing-pulls p=0.3 for=1m",
                "9m registry-outage for=1m",
                "10m lossy-network p=0.05 for=1m",
                "11m slow-network extra=500ms for=1m",
                "12m agent-restart node=n0002 for=5s",
                "");
        FaultSchedule s = FaultSchedule.parse(text, topo, jobs);
        assertEquals(12, s.size());
        assertEquals(90_000, s.faults().get(0).at());
        assertEquals(210_000, s.faults().get(0).end());
        assertEquals(s, FaultSchedule.parse(s.format(), topo, jobs));
        BitSet side = topo.parseSet(s.faults().get(0).param("side"));
        assertEquals(42, side.cardinality());
        assertEquals("n0001..n0040,n0077,s2", topo.formatSet(side));
    }

    @Test
    void mistakesAreNamedWithTheirLine() {
        assertError("1m node-crash node=n9999 for=1m", "line 1", "unknown node 'n9999'");
        assertError("\n1m node-crash for=1m", "line 2", "missing node=");
        assertError("1m volcano for=1m", "unknown fault kind 'volcano'");
        assertError("1m partition side=n0001 dir=sideways for=1m", "dir must be both, in or out");
        assertError("soon registry-outage for=1m", "'soon' is not a duration");
        assertError("1m registry-outage for=1m color=red", "unknown key 'color'");
        assertError("1m crash-loop job=job-0099 for=1m", "unknown job 'job-0099'");
        assertError("1m oom node=n0001 p=1.5 for=1m", "p must be within [0, 1]");
        assertError("1m node-crash node=s1 for=1m", "takes an agent node");
    }

    private void assertError(String text, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FaultSchedule.parse(text, topo, jobs));
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), e.getMessage() + " should contain " + p);
        }
    }

    @Test
    void generatedSchedulesStayWithinTheirLimits() {
        for (long seed = 1; seed <= 200; seed++) {
            FaultSchedule s = FaultSchedule.generate(new SimRandom(seed), topo, jobs, 40 * 60_000L);
            assertTrue(s.size() > 5, "seed " + seed + ": " + s.size());
            assertTrue(s.lastEnd() <= 40 * 60_000L, "seed " + seed + " ends at " + s.lastEnd());
            FaultSchedule.parse(s.format(), topo, jobs);
            List<Fault> partitions = s.faults().stream().filter(f -> f.kind() == Fault.Kind.PARTITION).toList();
            for (int i = 1; i < partitions.size(); i++) {
                assertTrue(partitions.get(i).at() >= partitions.get(i - 1).end(), "seed " + seed + ": overlapping partitions");
            }
            for (Fault p : partitions) {
                BitSet side = topo.parseSet(p.param("side"));
                assertTrue(side.cardinality() * 2 < topo.size(), "a partition side is a minority");
                assertTrue(side.get(topo.agents(), topo.size()).cardinality() < topo.schedulers(),
                        "some scheduler-role node stays outside the side");
            }
        }
    }

    @Test
    void durations() {
        assertEquals(5_400_000, SimDurations.parseMillis("1h30m"));
        assertEquals(1_500, SimDurations.parseMillis("1s500ms"));
        assertEquals("1m30s", SimDurations.format(90_000));
        assertEquals("-1s600ms", SimDurations.format(-1_600));
        assertEquals("12.034", SimDurations.seconds(12_034));
        assertThrows(IllegalArgumentException.class, () -> SimDurations.parseMillis("5 minutes"));
    }
}
