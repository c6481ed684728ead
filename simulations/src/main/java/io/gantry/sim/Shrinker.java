package io.gantry.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Delta debugging (Zeller's ddmin) over a fault list: finds a smaller list that still fails,
 * trying halves, then complements, then finer splits, within a budget of runs. Each trial is a
 * full deterministic run, so "still fails" is exact, not statistical.
 */
final class Shrinker {

    record Shrunk(List<Fault> faults, int runs) {
    }

    private Shrinker() {
    }

    static Shrunk ddmin(List<Fault> start, Predicate<List<Fault>> fails, int maxRuns) {
        int runs = 0;
        List<Fault> current = new ArrayList<>(start);
        if (current.isEmpty()) {
            return new Shrunk(current, 0);
        }
        runs++;
        if (fails.test(List.of())) {
            return new Shrunk(List.of(), runs);
        }
        int n = 2;
        while (current.size() >= 2 && runs < maxRuns) {
            List<List<Fault>> chunks = split(current, n);
            boolean reduced = false;
            for (List<Fault> chunk : chunks) {
                if (runs >= maxRuns) {
                    break;
                }
                runs++;
                if (fails.test(chunk)) {
                    current = new ArrayList<>(chunk);
                    n = 2;
                    reduced = true;
                    break;
                }
            }
            if (!reduced && n > 2) {
                for (int i = 0; i < chunks.size() && runs < maxRuns; i++) {
                    List<Fault> complement = new ArrayList<>();
                    for (int j = 0; j < chunks.size(); j++) {
                        if (j != i) {
                            complement.addAll(chunks.get(j));
                        }
                    }
                    runs++;
                    if (fails.test(complement)) {
                        current = complement;
                        n = Math.max(n - 1, 2);
                        reduced = true;
                        break;
                    }
                }
            }
            if (!reduced) {
                if (n >= current.size()) {
                    break;
                }
                n = Math.min(current.size(), n * 2);
            }
        }
        return new Shrunk(current, runs);
    }

    private static List<List<Fault>> split(List<Fault> list, int n) {
        List<List<Fault>> out = new ArrayList<>();
        int size = list.size();
        int start = 0;
        for (int i = 0; i < n; i++) {
            int end = start + (size - start) / (n - i);
            if (end > start) {
                out.add(new ArrayList<>(list.subList(start, end)));
            }
            start = end;
        }
        return out;
    }
}
