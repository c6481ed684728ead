package io.gantry.sim;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShrinkerTest {

    private static List<Fault> faults(int n) {
        List<Fault> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Fault.of(60_000L + i * 1000, Fault.Kind.REGISTRY_OUTAGE, "for", "10s"));
        }
        return out;
    }

    @Test
    void findsTheTwoFaultsThatTogetherFail() {
        List<Fault> all = faults(16);
        Fault a = all.get(3);
        Fault c = all.get(11);
        Shrinker.Shrunk s = Shrinker.ddmin(all, l -> l.contains(a) && l.contains(c), 100);
        assertEquals(List.of(a, c), s.faults());
        assertTrue(s.runs() <= 60, "runs: " + s.runs());
    }

    @Test
    void aFailureWithoutFaultsShrinksToNone() {
        Shrinker.Shrunk s = Shrinker.ddmin(faults(5), l -> true, 100);
        assertEquals(List.of(), s.faults());
    }

    @Test
    void aFailingSimulationShrinksToASmallerScheduleThatStillFails() {
        SimOptions unsafe = SimOptions.defaults().withUnsafe("no-fencing");
        SimResult failed = null;
        for (long seed = 1; seed <= 30 && failed == null; seed++) {
            SimResult r = new Simulation(unsafe, seed, null, null).run();
            if (r.failed() && r.schedule().size() > 3) {
                failed = r;
            }
        }
        assertTrue(failed != null, "a failing seed");
        Shrinker.Shrunk s = SimRunner.shrink(unsafe, failed);
        assertTrue(s.faults().size() < failed.schedule().size(), s.faults() + " vs " + failed.schedule().faults());
        assertTrue(!s.faults().isEmpty(), "the mode alone does not fail: a fault is needed");
        SimResult again = new Simulation(unsafe, failed.seed(), new FaultSchedule(s.faults()), null).run();
        assertEquals(failed.violatedInvariant(), again.violatedInvariant(), "the shrunk schedule still fails");
    }
}
