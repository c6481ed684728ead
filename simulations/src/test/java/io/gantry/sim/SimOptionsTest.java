package io.gantry.sim;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimOptionsTest {

    @Test
    void readsTheCommandLine() {
        SimOptions o = SimOptions.parse(List.of("--nodes", "5000", "--jobs=5000", "--allocations", "50_000",
                "--duration", "1h", "--faults", "none", "--seeds", "1..100", "--journal", "memory", "--quiet"));
        assertEquals(5000, o.nodes());
        assertEquals(50_000, o.allocations());
        assertEquals(3_600_000, o.durationMillis());
        assertEquals(1, o.seedFrom());
        assertEquals(100, o.seedTo());
        assertTrue(o.sweep());
        assertTrue(!o.journalJson());
        assertTrue(o.quiet());
    }

    @Test
    void badInputIsNamed() {
        assertBad("--nodes must be at least 1", "--nodes", "0");
        assertBad("--jobs takes a whole number, not 'many'", "--jobs", "many");
        assertBad("--seeds takes a range A..B", "--seeds", "7");
        assertBad("--seeds range runs backwards", "--seeds", "9..3");
        assertBad("--duration: 'soon' is not a duration", "--duration", "soon");
        assertBad("--duration must be at least 1m", "--duration", "30s");
        assertBad("unknown option --colour", "--colour", "red");
        assertBad("option --seed needs a value", "--seed");
        assertBad("--unsafe 'yolo' is not one of", "--unsafe", "yolo");
        assertBad("--allocations (5) must be at least --jobs (12)", "--allocations", "5");
        assertBad("--journal must be json or memory", "--journal", "disk");
        assertBad("unknown fault kind 'meteor'", "--without", "meteor");
    }

    private static void assertBad(String message, String... args) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SimOptions.parse(List.of(args)));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void theReproduceCommandParsesBackToTheSameOptions() {
        SimOptions o = SimOptions.parse(List.of("--nodes", "20", "--jobs", "30", "--allocations", "90", "--duration",
                "45m", "--unsafe", "no-fencing", "--loss", "0.01", "--fencing-window", "30s", "--without",
                "lossy-network,oom", "--keep-going"));
        String cmd = o.commandLine(9, "default");
        SimOptions back = SimOptions.parse(List.of(cmd.substring("ops/bin/gantry sim ".length()).split(" ")));
        assertEquals(o.withSeed(9), back);
    }
}
