package io.gantry.sim;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code gantry sim}: runs one seed (full report) or a sweep of seeds (a line each), prints the
 * first violation of a run with the seed, the schedule, the trace before it and a command to
 * reproduce it, shrinks the schedule, and writes the HTML report with {@code --report DIR}.
 * Exit code 0 when every run kept every invariant, 1 when one did not, 2 for a bad command line.
 */
public final class SimMain {

    private SimMain() {
    }

    public static void main(String[] args) {
        int code = run(Arrays.asList(args), System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    public static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.contains("--help") || args.contains("-h")) {
            out.print(SimOptions.USAGE);
            return 0;
        }
        SimOptions o;
        FaultSchedule schedule;
        try {
            o = SimOptions.parse(args);
            schedule = SimRunner.schedule(o);
        } catch (IllegalArgumentException e) {
            err.println("gantry sim: " + e.getMessage() + " (see 'gantry sim --help')");
            return 2;
        }
        List<SimResult> results = new ArrayList<>();
        int failed = 0;
        for (long seed = o.seedFrom(); seed <= o.seedTo(); seed++) {
            SimResult r;
            try {
                r = SimRunner.run(o, seed, schedule);
            } catch (IllegalArgumentException e) {
                err.println("gantry sim: " + e.getMessage());
                return 2;
            }
            results.add(r);
            if (o.sweep()) {
                out.println(ReportText.oneLine(r));
                if (r.failed() && !o.quiet()) {
                    out.print(ReportText.full(r));
                }
            } else {
                out.print(ReportText.full(r));
            }
            if (r.failed()) {
                failed++;
                out.print(ReportText.violation(r));
                if (o.shrink() && r.schedule().size() > 0) {
                    shrink(o, r, out);
                }
            }
            if (o.reportDir() != null) {
                SimRunner.writeSchedule(o.reportDir(), "seed-" + r.seed() + ".faults", r.schedule());
                Path page = HtmlReport.write(o.reportDir(), r);
                if (!o.sweep()) {
                    out.println("report: " + page);
                }
            }
            out.flush();
        }
        if (o.sweep()) {
            out.printf("%d seeds: %d passed, %d failed%n", results.size(), results.size() - failed, failed);
            if (o.reportDir() != null) {
                out.println("report: " + HtmlReport.writeIndex(o.reportDir(), results));
            }
        }
        return failed == 0 ? 0 : 1;
    }

    private static void shrink(SimOptions o, SimResult r, PrintStream out) {
        Shrinker.Shrunk s = SimRunner.shrink(o, r);
        FaultSchedule small = new FaultSchedule(s.faults());
        Path file = SimRunner.writeSchedule(o.reportDir(), "shrunk-seed-" + r.seed() + ".faults", small);
        out.printf("%nshrunk fault schedule: %d of %d faults still violate %s (%d runs):%n", small.size(),
                r.schedule().size(), r.violatedInvariant(), s.runs());
        for (Fault f : small.faults()) {
            out.println("  " + f.format());
        }
        out.println("reproduce the shrunk run: " + o.commandLine(r.seed(), file.toString()));
    }
}
