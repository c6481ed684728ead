package io.gantry.scheduler.core;

import io.gantry.protocol.allocation.AllocationState;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.job.PlacementStrategy;
import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.node.NodeStatus;
import io.gantry.scheduler.placement.SplitMix64;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.gantry.scheduler.core.SchedulerHarness.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded random histories of user commands, agent reports, node failures, drains, time and
 * failovers, with the core's invariants checked after every step and convergence checked at
 * the end. A small cousin of the simulator's runs, to catch a broken rule close to the code.
 */
class SchedulerCoreRandomTest {

    static final long GIB = 1L << 30;

    @Test
    void randomHistoriesKeepTheInvariantsAndConverge() {
        for (long seed = 1; seed <= 30; seed++) {
            run(seed);
        }
    }

    private void run(long seed) {
        SplitMix64 rnd = new SplitMix64(seed);
        SchedulerHarness h = new SchedulerHarness();
        List<String> nodes = new ArrayList<>();
        List<String> jobs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            nodes.add("n" + i);
            h.registerNode(node("n" + i, 4000, 8 * GIB));
        }
        for (int step = 0; step < 150; step++) {
            int action = rnd.nextInt(12);
            switch (action) {
                case 0, 1 -> {
                    String id = "job" + rnd.nextInt(6);
                    JobSpec.Builder b = JobSpec.builder(id, "registry.local/app:" + rnd.nextInt(2))
                            .count(1 + rnd.nextInt(4)).resources(250L * (1 + rnd.nextInt(4)), GIB / 4 * (1 + rnd.nextInt(4)));
                    if (rnd.nextInt(4) == 0) {
                        b.placement(PlacementStrategy.SPREAD);
                    }
                    if (rnd.nextInt(5) == 0) {
                        b.distinctHosts(true);
                    }
                    h.submit(b.build());
                    if (!jobs.contains(id)) {
                        jobs.add(id);
                    }
                }
                case 2 -> {
                    if (!jobs.isEmpty()) {
                        h.scale(jobs.get(rnd.nextInt(jobs.size())), rnd.nextInt(5));
                    }
                }
                case 3 -> {
                    if (!jobs.isEmpty() && rnd.nextInt(3) == 0) {
                        h.stop(jobs.get(rnd.nextInt(jobs.size())));
                    }
                }
                case 4 -> {
                    String id = "n" + rnd.nextInt(6);
                    if (!nodes.contains(id)) {
                        nodes.add(id);
                    }
                    h.registerNode(node(id, 4000, 8 * GIB));
                }
                case 5 -> {
                    if (rnd.nextInt(2) == 0) {
                        h.nodeDown(nodes.get(rnd.nextInt(nodes.size())));
                    }
                }
                case 6 -> {
                    if (rnd.nextInt(3) == 0) {
                        h.drain(nodes.get(rnd.nextInt(nodes.size())));
                    }
                }
                case 7 -> {
                    List<AllocationRecord> running = h.state().allAllocations().stream()
                            .filter(a -> a.state() == AllocationState.RUNNING).sorted(
                                    java.util.Comparator.comparing(AllocationRecord::id)).toList();
                    if (!running.isEmpty()) {
                        AllocationRecord a = running.get(rnd.nextInt(running.size()));
                        h.report(a.id(), rnd.nextInt(4) == 0 ? AllocationState.EXITED : AllocationState.FAILED);
                    }
                }
                case 8, 9 -> h.acknowledgeAll();
                case 10 -> h.advance(Duration.ofSeconds(1 + rnd.nextInt(20)));
                case 11 -> {
                    if (rnd.nextInt(4) == 0) {
                        h.failover();
                        for (String n : nodes) {
                            if (rnd.nextInt(5) != 0 && h.state().node(NodeId.of(n)).isPresent()) {
                                h.registerNode(node(n, 4000, 8 * GIB));
                            }
                        }
                    }
                }
                default -> throw new AssertionError();
            }
            checkInvariants(h, seed, step);
        }
        // Faults stop: every node comes back (not draining), time passes, agents answer.
        for (int i = 0; i < 6; i++) {
            h.registerNode(node("n" + i + "-fresh", 8000, 16 * GIB));
        }
        for (int round = 0; round < 12; round++) {
            h.acknowledgeAll();
            h.advance(Duration.ofMinutes(1));
        }
        h.acknowledgeAll();
        checkInvariants(h, seed, -1);
        for (JobRecord j : h.state().jobs()) {
            if (j.stopped()) {
                assertTrue(h.live(j.id()).isEmpty(), "seed " + seed + ": stopped job " + j.id() + " still runs");
                continue;
            }
            Set<Integer> satisfied = new HashSet<>();
            for (AllocationRecord a : h.live(j.id())) {
                assertEquals(AllocationState.RUNNING, a.state(), "seed " + seed + ": " + a);
                assertTrue(satisfied.add(a.index()), "seed " + seed + ": index " + a.index() + " twice in " + j.id());
            }
            for (AllocationRecord a : h.inState(j.id(), AllocationState.EXITED)) {
                if (a.allocation().jobVersion() >= j.replaceVersion() && !a.stopRequested()
                        && a.index() < j.spec().count()) {
                    satisfied.add(a.index());
                }
            }
            for (int i = 0; i < j.spec().count(); i++) {
                assertTrue(satisfied.contains(i), "seed " + seed + ": job " + j.id() + " index " + i
                        + " did not converge: " + h.state().allocationsOf(j.id()));
            }
        }
    }

    private static void checkInvariants(SchedulerHarness h, long seed, int step) {
        String where = "seed " + seed + " step " + step + ": ";
        Map<NodeId, long[]> reserved = new HashMap<>();
        Map<String, Set<NodeId>> distinct = new HashMap<>();
        for (AllocationRecord a : h.state().allAllocations()) {
            if (a.state().holdsResources()) {
                long[] r = reserved.computeIfAbsent(a.node().orElseThrow(), k -> new long[2]);
                r[0] += a.reserved().cpuMillis();
                r[1] += a.reserved().memoryBytes();
                JobRecord j = h.state().job(a.jobId()).orElseThrow();
                if (j.spec().distinctHosts() && a.live()) {
                    assertTrue(distinct.computeIfAbsent(a.jobId(), k -> new HashSet<>()).add(a.node().get()),
                            where + "distinct_hosts broken for " + a.jobId());
                }
            }
        }
        for (NodeRecord n : h.state().nodes()) {
            long[] r = reserved.getOrDefault(n.id(), new long[2]);
            assertEquals(r[0], n.reserved().cpuMillis(), where + "cpu accounting of " + n.id());
            assertEquals(r[1], n.reserved().memoryBytes(), where + "memory accounting of " + n.id());
            assertTrue(r[0] <= n.info().capacity().cpuMillis() && r[1] <= n.info().capacity().memoryBytes(),
                    where + "node " + n.id() + " overcommitted");
            if (n.status() == NodeStatus.DOWN) {
                assertEquals(0, r[0], where + "down node " + n.id() + " still holds allocations");
            }
        }
        if (step % 25 == 0) {
            assertEquals(h.state().fingerprint(), SchedulerCore.replay(h.journal()).fingerprint(),
                    where + "replay differs");
        }
    }
}
