package io.gantry.sim;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ordered list of faults: generated from the seed ({@code --faults default}), empty
 * ({@code none}), or read from a file in the text format {@link Fault#format()} writes, one fault a
 * line, {@code #} starting a comment.
 *
 * <h2>The default schedule</h2>
 * Faults arrive at random (about one every 90 s) from the first minute until the end of the
 * active window, which leaves a quiet tail in which the cluster must converge. Kinds are weighted
 * towards the ones that test the scheduler's hardest paths (crashes, partitions, failovers), with
 * limits that keep the cluster able to recover by design: at most one partition and one failover
 * at a time, never every scheduler-role node cut off, and no more than a tenth of the nodes down
 * at once (keep-majority would otherwise legitimately take the whole cluster down).
 */
public record FaultSchedule(List<Fault> faults) {

    public FaultSchedule {
        List<Fault> sorted = new ArrayList<>(faults);
        sorted.sort(Comparator.comparingLong(Fault::at));
        faults = List.copyOf(sorted);
    }

    public static FaultSchedule none() {
        return new FaultSchedule(List.of());
    }

    public int size() {
        return faults.size();
    }

    /** When the last fault is over (0 for none). */
    public long lastEnd() {
        long end = 0;
        for (Fault f : faults) {
            end = Math.max(end, f.end());
        }
        return end;
    }

    public Map<Fault.Kind, Integer> countByKind() {
        Map<Fault.Kind, Integer> out = new EnumMap<>(Fault.Kind.class);
        for (Fault f : faults) {
            out.merge(f.kind(), 1, Integer::sum);
        }
        return out;
    }

    public String format() {
        StringBuilder b = new StringBuilder("# gantry sim fault schedule: AT KIND key=value ...\n");
        for (Fault f : faults) {
            b.append(f.format()).append('\n');
        }
        return b.toString();
    }

    /** Reads a schedule, checking every node and job name against the cluster it will run on. */
    public static FaultSchedule parse(String text, Topology topology, List<String> jobIds) {
        List<Fault> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n].strip();
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash).strip();
            }
            if (line.isEmpty()) {
                continue;
            }
            try {
                String[] words = line.split("\\s+");
                if (words.length < 2) {
                    throw new IllegalArgumentException("expected 'AT KIND key=value ...'");
                }
                long at = SimDurations.parseMillis(words[0]);
                Fault.Kind kind = Fault.Kind.fromText(words[1]);
                Map<String, String> params = new LinkedHashMap<>();
                for (int i = 2; i < words.length; i++) {
                    int eq = words[i].indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("'" + words[i] + "' is not key=value");
                    }
                    params.put(words[i].substring(0, eq), words[i].substring(eq + 1));
                }
                Fault f = new Fault(at, kind, params);
                validate(f, topology, jobIds);
                out.add(f);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("fault schedule line " + (n + 1) + " '" + lines[n].strip() + "': "
                        + e.getMessage(), e);
            }
        }
        return new FaultSchedule(out);
    }

    static void validate(Fault f, Topology topology, List<String> jobIds) {
        if (f.params().containsKey("for")) {
            f.durationMillis();
        }
        if (f.params().containsKey("node")) {
            topology.indexOf(f.param("node"));
        }
        switch (f.kind()) {
            case NODE_CRASH, AGENT_RESTART, OOM -> {
                if (!topology.isAgent(topology.indexOf(f.param("node")))) {
                    throw new IllegalArgumentException(f.kind().text() + " takes an agent node, not " + f.param("node"));
                }
                if (f.kind() == Fault.Kind.OOM) {
                    f.probability("p");
                }
            }
            case PARTITION -> {
                BitSet side = topology.parseSet(f.param("side"));
                if (side.cardinality() == topology.size()) {
                    throw new IllegalArgumentException("a partition side cannot hold every node");
                }
                if (!List.of("both", "in", "out").contains(f.param("dir"))) {
                    throw new IllegalArgumentException("dir must be both, in or out, not " + f.param("dir"));
                }
            }
            case FAILOVER -> {
                if (!List.of("crash", "handover", "pause").contains(f.param("mode"))) {
                    throw new IllegalArgumentException("mode must be crash, handover or pause, not " + f.param("mode"));
                }
            }
            case CRASH_LOOP -> {
                if (!jobIds.contains(f.param("job"))) {
                    throw new IllegalArgumentException("unknown job '" + f.param("job") + "'");
                }
            }
            case SLOW_PULLS -> {
                double factor = Double.parseDouble(f.param("factor"));
                if (!(factor > 0 && factor <= 1)) {
                    throw new IllegalArgumentException("factor must be within (0, 1], got " + factor);
                }
            }
            case FAILING_PULLS, LOSSY_NETWORK -> f.probability("p");
            case CLOCK_JUMP -> SimDurations.parseMillis(f.param("by").replaceFirst("^[-+]", ""));
            case SLOW_NETWORK -> SimDurations.parseMillis(f.param("extra"));
            case REGISTRY_OUTAGE -> {
            }
            default -> throw new IllegalStateException(f.kind().toString());
        }
    }

    /**
     * A schedule drawn from {@code rnd} for this cluster and workload, with faults starting in
     * [60 s, activeEnd) and all over by {@code activeEnd}.
     */
    public static FaultSchedule generate(SimRandom rnd, Topology topo, List<String> jobIds, long activeEnd) {
        return generate(rnd, topo, jobIds, activeEnd, java.util.EnumSet.noneOf(Fault.Kind.class));
    }

    /** The same, leaving the {@code without} kinds out (the draws are the same; those faults are dropped). */
    public static FaultSchedule generate(SimRandom rnd, Topology topo, List<String> jobIds, long activeEnd,
                                         java.util.Set<Fault.Kind> without) {
        List<Fault> out = new ArrayList<>();
        long t = 60_000;
        int members = topo.size();
        int maxDown = Math.max(1, members / 10);
        while (true) {
            t += 20_000 + rnd.exponential(70_000) / 1000 * 1000;
            if (t >= activeEnd - 10_000) {
                break;
            }
            long room = activeEnd - t;
            Fault f = null;
            for (int attempt = 0; attempt < 6 && f == null; attempt++) {
                f = draw(rnd, topo, jobIds, t, room, out, maxDown);
            }
            if (f != null && !without.contains(f.kind())) {
                out.add(f);
            }
        }
        return new FaultSchedule(out);
    }

    private static Fault draw(SimRandom rnd, Topology topo, List<String> jobIds, long t, long room,
                              List<Fault> sofar, int maxDown) {
        int w = rnd.nextInt(100);
        long d;
        if (w < 18) {
            d = clamp(rnd.between(20_000, 180_000), room);
            String node = topo.name(rnd.nextInt(topo.agents()));
            if (down(sofar, t, t + d, topo) + 1 > maxDown || busy(sofar, node, t, t + d)) {
                return null;
            }
            return Fault.of(t, Fault.Kind.NODE_CRASH, "node", node, "for", SimDurations.format(d));
        } else if (w < 28) {
            d = clamp(rnd.between(1_000, 15_000), room);
            String node = topo.name(rnd.nextInt(topo.agents()));
            if (busy(sofar, node, t, t + d)) {
                return null;
            }
            return Fault.of(t, Fault.Kind.AGENT_RESTART, "node", node, "for", SimDurations.format(d));
        } else if (w < 44) {
            d = clamp(rnd.chance(0.3) ? rnd.between(5_000, 20_000) : rnd.between(30_000, 180_000), room);
            if (overlaps(sofar, Fault.Kind.PARTITION, t, t + d) || overlaps(sofar, Fault.Kind.FAILOVER, t, t + d)
                    || down(sofar, t, t + d, topo) > 0) {
                return null;
            }
            BitSet side = new BitSet(topo.size());
            int maxSide = Math.max(1, (topo.size() - 1) / 2);
            // mostly small sides (a rack, a few machines), sometimes up to just under half
            double u = rnd.nextDouble();
            int k = Math.max(1, Math.min(maxSide, (int) Math.round(1 + u * u * u * (maxSide - 1))));
            boolean withScheduler = rnd.chance(0.3);
            if (rnd.chance(0.5) && topo.agents() >= Topology.RACK_SIZE) {
                int rack = rnd.nextInt(Math.max(1, topo.agents() / Topology.RACK_SIZE));
                int from = rack * Topology.RACK_SIZE;
                side.set(from, Math.min(topo.agents(), from + Math.min(k, Topology.RACK_SIZE)));
            } else {
                while (side.cardinality() < k) {
                    side.set(rnd.nextInt(topo.agents()));
                }
            }
            if (withScheduler) {
                side.set(topo.agents() + rnd.nextInt(topo.schedulers()));
            }
            int schedsIn = 0;
            for (int s = topo.agents(); s < topo.size(); s++) {
                schedsIn += side.get(s) ? 1 : 0;
            }
            if (schedsIn == topo.schedulers() || side.cardinality() * 2 >= topo.size()) {
                return null;
            }
            int dw = rnd.nextInt(10);
            String dir = dw < 6 ? "both" : dw < 8 ? "in" : "out";
            return Fault.of(t, Fault.Kind.PARTITION, "side", topo.formatSet(side), "dir", dir,
                    "for", SimDurations.format(d));
        } else if (w < 54) {
            int m = rnd.nextInt(100);
            String mode = m < 50 ? "crash" : m < 75 ? "handover" : "pause";
            d = clamp(switch (mode) {
                case "crash" -> rnd.between(30_000, 120_000);
                case "handover" -> rnd.between(10_000, 60_000);
                default -> rnd.between(5_000, 90_000);
            }, room);
            if (overlaps(sofar, Fault.Kind.FAILOVER, t, t + d) || overlaps(sofar, Fault.Kind.PARTITION, t, t + d)) {
                return null;
            }
            return Fault.of(t, Fault.Kind.FAILOVER, "mode", mode, "for", SimDurations.format(d));
        } else if (w < 62) {
            if (jobIds.isEmpty()) {
                return null;
            }
            d = clamp(rnd.between(60_000, 300_000), room);
            return Fault.of(t, Fault.Kind.CRASH_LOOP, "job", rnd.pick(jobIds), "for", SimDurations.format(d));
        } else if (w < 69) {
            d = clamp(rnd.between(60_000, 180_000), room);
            return Fault.of(t, Fault.Kind.OOM, "node", topo.name(rnd.nextInt(topo.agents())),
                    "p", p(rnd, 0.3, 0.9), "for", SimDurations.format(d));
        } else if (w < 74) {
            d = clamp(rnd.between(120_000, 300_000), room);
            return Fault.of(t, Fault.Kind.SLOW_PULLS, "factor", p(rnd, 0.02, 0.2), "for", SimDurations.format(d));
        } else if (w < 79) {
            d = clamp(rnd.between(60_000, 180_000), room);
            return Fault.of(t, Fault.Kind.FAILING_PULLS, "p", p(rnd, 0.2, 0.7), "for", SimDurations.format(d));
        } else if (w < 84) {
            d = clamp(rnd.between(60_000, 240_000), room);
            if (overlaps(sofar, Fault.Kind.REGISTRY_OUTAGE, t, t + d)) {
                return null;
            }
            return Fault.of(t, Fault.Kind.REGISTRY_OUTAGE, "for", SimDurations.format(d));
        } else if (w < 91) {
            long by = rnd.chance(0.7) ? rnd.between(1_000, 10_000) : rnd.between(10_000, 120_000);
            String sign = rnd.chance(0.5) ? "-" : "";
            return Fault.of(t, Fault.Kind.CLOCK_JUMP, "node", topo.name(rnd.nextInt(topo.size())),
                    "by", sign + SimDurations.format(by / 100 * 100));
        } else if (w < 96) {
            d = clamp(rnd.between(30_000, 120_000), room);
            return Fault.of(t, Fault.Kind.LOSSY_NETWORK, "p", p(rnd, 0.01, 0.1), "for", SimDurations.format(d));
        } else {
            d = clamp(rnd.between(30_000, 120_000), room);
            return Fault.of(t, Fault.Kind.SLOW_NETWORK, "extra", SimDurations.format(rnd.between(200, 3_000)),
                    "for", SimDurations.format(d));
        }
    }

    private static String p(SimRandom rnd, double lo, double hi) {
        double v = lo + rnd.nextDouble() * (hi - lo);
        return String.valueOf(Math.round(v * 100) / 100.0);
    }

    /** Durations are whole seconds so that the file form is short and exact. */
    private static long clamp(long d, long room) {
        return Math.max(1_000, Math.min(d, room - 5_000) / 1000 * 1000);
    }

    private static boolean overlaps(List<Fault> faults, Fault.Kind kind, long from, long to) {
        for (Fault f : faults) {
            if (f.kind() == kind && f.at() < to + 30_000 && from < f.end() + 30_000) {
                return true;
            }
        }
        return false;
    }

    private static boolean busy(List<Fault> faults, String node, long from, long to) {
        for (Fault f : faults) {
            if (node.equals(f.param("node")) && (f.kind() == Fault.Kind.NODE_CRASH || f.kind() == Fault.Kind.AGENT_RESTART)
                    && f.at() < to + 30_000 && from < f.end() + 30_000) {
                return true;
            }
        }
        return false;
    }

    /** Nodes crashed at some point of [from, to). */
    private static int down(List<Fault> faults, long from, long to, Topology topo) {
        int n = 0;
        for (Fault f : faults) {
            if (f.kind() == Fault.Kind.NODE_CRASH && f.at() < to + 30_000 && from < f.end() + 30_000) {
                n++;
            }
        }
        return n;
    }
}
