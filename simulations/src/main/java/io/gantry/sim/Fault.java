package io.gantry.sim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One fault of a schedule: what happens, when, for how long, and to what. A fault is plain data
 * (every random choice it needs is made when the schedule is generated), so a schedule written to
 * a file and read back injects exactly the same faults, and shrinking can drop faults one by one.
 *
 * <p>One line of a schedule file is {@code AT KIND key=value ...}, e.g.
 * {@code 90s partition side=n0001..n0004,s2 dir=both for=2m}; see {@link Kind} for the kinds and
 * their keys.
 */
public record Fault(long at, Kind kind, Map<String, String> params) {

    /** The kinds of fault and the keys each takes ({@code for} is the duration where there is one). */
    public enum Kind {
        /** The machine dies: agent and containers gone; it boots again after {@code for}. Keys: node, for. */
        NODE_CRASH("node-crash", List.of("node", "for")),
        /** Only the agent process restarts; its containers keep running and are re-adopted. Keys: node, for. */
        AGENT_RESTART("agent-restart", List.of("node", "for")),
        /** The nodes in {@code side} are cut from the rest: dir=both, in (nothing reaches them) or out. */
        PARTITION("partition", List.of("side", "dir", "for")),
        /**
         * The node hosting the scheduler singleton crashes (mode=crash), leaves (mode=handover), or
         * freezes (mode=pause: a long GC pause; if it is downed meanwhile it wakes up a zombie that
         * acts on its backlog with its old epoch until it learns it was removed) for {@code for}.
         */
        FAILOVER("failover", List.of("mode", "for")),
        /** Every container of the job exits with code 1 a few seconds after it starts. Keys: job, for. */
        CRASH_LOOP("crash-loop", List.of("job", "for")),
        /** Containers on the node are OOM-killed, each with probability p during the window. Keys: node, p, for. */
        OOM("oom", List.of("node", "p", "for")),
        /** The registry serves at {@code factor} of its bandwidth. Keys: factor, for. */
        SLOW_PULLS("slow-pulls", List.of("factor", "for")),
        /** Each layer pull (registry or peer) fails with probability p. Keys: p, for. */
        FAILING_PULLS("failing-pulls", List.of("p", "for")),
        /** The registry answers nothing. Keys: for. */
        REGISTRY_OUTAGE("registry-outage", List.of("for")),
        /** The node's wall clock jumps by {@code by} (negative: backwards). Keys: node, by. */
        CLOCK_JUMP("clock-jump", List.of("node", "by")),
        /** Every message is lost with probability p. Keys: p, for. */
        LOSSY_NETWORK("lossy-network", List.of("p", "for")),
        /** Every message takes up to {@code extra} longer. Keys: extra, for. */
        SLOW_NETWORK("slow-network", List.of("extra", "for"));

        private final String text;
        private final List<String> keys;

        Kind(String text, List<String> keys) {
            this.text = text;
            this.keys = keys;
        }

        public String text() {
            return text;
        }

        public List<String> keys() {
            return keys;
        }

        public static Kind fromText(String text) {
            for (Kind k : values()) {
                if (k.text.equals(text)) {
                    return k;
                }
            }
            StringBuilder all = new StringBuilder();
            for (Kind k : values()) {
                all.append(all.length() == 0 ? "" : ", ").append(k.text);
            }
            throw new IllegalArgumentException("unknown fault kind '" + text + "'; one of: " + all);
        }
    }

    public Fault {
        Objects.requireNonNull(kind, "kind");
        if (at < 0) {
            throw new IllegalArgumentException(kind.text + ": time must not be negative");
        }
        for (String k : params.keySet()) {
            if (!kind.keys.contains(k)) {
                throw new IllegalArgumentException(kind.text + ": unknown key '" + k + "'; it takes " + kind.keys);
            }
        }
        for (String k : kind.keys) {
            if (!params.containsKey(k)) {
                throw new IllegalArgumentException(kind.text + ": missing " + k + "=...; it takes " + kind.keys);
            }
        }
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    public static Fault of(long at, Kind kind, String... keyValues) {
        Map<String, String> p = new LinkedHashMap<>();
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            p.put(keyValues[i], keyValues[i + 1]);
        }
        return new Fault(at, kind, p);
    }

    public String param(String key) {
        return params.get(key);
    }

    /** How long the fault lasts; 0 for an instant one (a clock jump). */
    public long durationMillis() {
        String d = params.get("for");
        return d == null ? 0 : SimDurations.parseMillis(d);
    }

    public long end() {
        return at + durationMillis();
    }

    public double probability(String key) {
        double p = Double.parseDouble(params.get(key));
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(kind.text + ": " + key + " must be within [0, 1], got " + p);
        }
        return p;
    }

    /** The line a schedule file holds for this fault. */
    public String format() {
        StringBuilder b = new StringBuilder(SimDurations.format(at)).append(' ').append(kind.text);
        params.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
        return b.toString();
    }

    @Override
    public String toString() {
        return format();
    }
}
