package io.gantry.sim;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checker is not a rubber stamp: with a safety mechanism switched off (test-only modes), the
 * same seeds that pass must violate the invariant that mechanism protects, and the report must
 * say how to reproduce it.
 */
class CheckerCanFailTest {

    private static long firstFailing(SimOptions o, String invariant) {
        for (long seed = 1; seed <= 30; seed++) {
            SimResult r = new Simulation(o, seed, null, null).run();
            if (r.failed()) {
                assertEquals(invariant, r.violatedInvariant(), () -> ReportText.violation(r));
                return seed;
            }
        }
        throw new AssertionError("no seed of 1..30 violated " + invariant + " with " + o.unsafe());
    }

    @Test
    void withoutFencingACountOneJobRunsTwiceAndTheReportSaysHowToReproduce() {
        SimOptions unsafe = SimOptions.defaults().withUnsafe("no-fencing").withShrink(false);
        long seed = firstFailing(unsafe, "single-instance");
        SimResult safe = new Simulation(SimOptions.defaults(), seed, null, null).run();
        assertTrue(!safe.failed(), () -> "the same seed with fencing passes: " + ReportText.violation(safe));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = SimMain.run(List.of("--seed", Long.toString(seed), "--unsafe", "no-fencing", "--no-shrink"),
                new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(1, code, text);
        assertTrue(text.contains("VIOLATION of single-instance"), text);
        assertTrue(text.contains("seed " + seed), text);
        assertTrue(text.contains("has run on two nodes at once"), text);
        assertTrue(text.contains("fault schedule ("), text);
        assertTrue(text.contains("trace around the violation"), text);
        assertTrue(text.contains("reproduce: ops/bin/gantry sim --nodes 8 --schedulers 3 --jobs 12 --allocations 36"
                + " --duration 30m --faults default --seed " + seed + " --unsafe no-fencing"), text);
    }

    @Test
    void aJournalThatLosesAcknowledgedWritesIsCaught() {
        SimOptions unsafe = SimOptions.defaults().withUnsafe("lose-journal").withShrink(false);
        long seed = firstFailing(unsafe, "acked-job-lost");
        SimResult r = new Simulation(unsafe, seed, null, null).run();
        assertTrue(r.violationMessage().contains("acknowledged"), r.violationMessage());
        assertTrue(r.stats.singletonsStarted > 1, "it takes a failover to read the journal back");
    }

    @Test
    void theReproduceCommandReproduces(@TempDir Path dir) throws Exception {
        SimOptions unsafe = SimOptions.defaults().withUnsafe("no-fencing").withShrink(false);
        long seed = firstFailing(unsafe, "single-instance");
        SimResult first = new Simulation(unsafe, seed, null, null).run();
        // the command line printed, parsed back, gives the same run
        String cmd = unsafe.commandLine(seed, "default");
        List<String> args = List.of(cmd.substring("ops/bin/gantry sim ".length()).split(" "));
        SimOptions again = SimOptions.parse(args);
        SimResult second = new Simulation(again, again.seedFrom(), SimRunner.schedule(again), null).run();
        assertEquals(first.traceHash(), second.traceHash());
        assertEquals(first.violationMessage(), second.violationMessage());

        // and the HTML report of the failure names it
        Path page = HtmlReport.write(dir, first);
        String html = Files.readString(page);
        assertTrue(html.contains("VIOLATION of single-instance"));
        assertTrue(html.contains("<svg"));
        assertTrue(html.contains("--seed " + seed));
        assertTrue(!html.contains("<script"), "no scripts in the report");
        assertNotNull(first.schedule());
    }
}
