package io.gantry.sim;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The simulated machines and their names: agent nodes {@code n0001...} (grouped into racks of
 * {@link #RACK_SIZE}) and dedicated scheduler-role nodes {@code s1...}. Nodes are numbered
 * 0..size-1 (agents first) so that per-node tables are arrays and node sets are bit sets.
 */
public final class Topology {

    public static final int RACK_SIZE = 40;

    private final List<String> names = new ArrayList<>();
    private final Map<String, Integer> index = new LinkedHashMap<>();
    private final int agents;
    private final int schedulers;

    public Topology(int agents, int schedulers) {
        if (agents < 1) {
            throw new IllegalArgumentException("--nodes must be at least 1, got " + agents);
        }
        if (schedulers < 1) {
            throw new IllegalArgumentException("--schedulers must be at least 1, got " + schedulers);
        }
        this.agents = agents;
        this.schedulers = schedulers;
        int width = Math.max(4, Integer.toString(agents).length());
        for (int i = 1; i <= agents; i++) {
            add(String.format("n%0" + width + "d", i));
        }
        for (int i = 1; i <= schedulers; i++) {
            add("s" + i);
        }
    }

    private void add(String name) {
        index.put(name, names.size());
        names.add(name);
    }

    public int size() {
        return names.size();
    }

    public int agents() {
        return agents;
    }

    public int schedulers() {
        return schedulers;
    }

    public boolean isAgent(int node) {
        return node < agents;
    }

    public String name(int node) {
        return names.get(node);
    }

    public List<String> names() {
        return Collections.unmodifiableList(names);
    }

    public int rack(int node) {
        return isAgent(node) ? node / RACK_SIZE : -1;
    }

    /** The node's number, or a clear error naming the unknown node. */
    public int indexOf(String name) {
        Integer i = index.get(name);
        if (i == null) {
            throw new IllegalArgumentException("unknown node '" + name + "' (this cluster has " + name(0) + ".."
                    + name(agents - 1) + " and s1..s" + schedulers + ")");
        }
        return i;
    }

    /** Reads "n0001..n0040,n0077,s2" into a node set. */
    public BitSet parseSet(String text) {
        BitSet set = new BitSet(size());
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int dots = p.indexOf("..");
            if (dots < 0) {
                set.set(indexOf(p));
            } else {
                int from = indexOf(p.substring(0, dots));
                int to = indexOf(p.substring(dots + 2));
                if (to < from) {
                    throw new IllegalArgumentException("node range '" + p + "' runs backwards");
                }
                set.set(from, to + 1);
            }
        }
        if (set.isEmpty()) {
            throw new IllegalArgumentException("empty node set '" + text + "'");
        }
        return set;
    }

    /** Writes a node set compactly, runs of consecutive agents as ranges. */
    public String formatSet(BitSet set) {
        StringBuilder b = new StringBuilder();
        int i = set.nextSetBit(0);
        while (i >= 0) {
            int j = i;
            while (j + 1 < size() && set.get(j + 1) && isAgent(j + 1) == isAgent(i)) {
                j++;
            }
            if (b.length() > 0) {
                b.append(',');
            }
            b.append(name(i));
            if (j > i + 1) {
                b.append("..").append(name(j));
            } else if (j == i + 1) {
                b.append(',').append(name(j));
            }
            i = set.nextSetBit(j + 1);
        }
        return b.toString();
    }
}
