package io.gantry.sim;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Carries out a {@link FaultSchedule}: at each fault's time it breaks what the fault names, and
 * at its end it heals it, and tells the checker (which measures convergence from there). Keeps
 * what running containers and pulls need to ask about the faults in force (is this job
 * crash-looping? is this node OOM-killing?).
 */
final class FaultInjector {

    private final Simulation sim;
    private final Map<Fault.Kind, Integer> injected = new EnumMap<>(Fault.Kind.class);
    private final Map<String, Integer> crashLooping = new LinkedHashMap<>();
    private final double[] oomP;
    private final long[] oomEnd;
    private final List<Fault> slowPulls = new ArrayList<>();
    private final List<Fault> failingPulls = new ArrayList<>();
    private final List<Fault> lossy = new ArrayList<>();
    private final List<Fault> slowNet = new ArrayList<>();
    private int outages;
    private int active;

    FaultInjector(Simulation sim) {
        this.sim = sim;
        this.oomP = new double[sim.topology().size()];
        this.oomEnd = new long[sim.topology().size()];
    }

    Map<Fault.Kind, Integer> injected() {
        return injected;
    }

    int active() {
        return active;
    }

    boolean crashLooping(String jobId) {
        return crashLooping.getOrDefault(jobId, 0) > 0;
    }

    double oomProbability(int node) {
        return oomEnd[node] > sim.now() ? oomP[node] : 0;
    }

    long oomEnd(int node) {
        return oomEnd[node];
    }

    void schedule(FaultSchedule schedule) {
        for (Fault f : schedule.faults()) {
            sim.loop().at(f.at(), () -> inject(f));
        }
    }

    private void inject(Fault f) {
        if (sim.loop().stopped()) {
            return;
        }
        injected.merge(f.kind(), 1, Integer::sum);
        active++;
        sim.trace().begin().append("fault ").append(f.format());
        sim.trace().end();
        Topology t = sim.topology();
        Runnable heal;
        switch (f.kind()) {
            case NODE_CRASH -> {
                int n = t.indexOf(f.param("node"));
                crashMachine(n);
                heal = () -> bootMachine(n);
            }
            case AGENT_RESTART -> {
                int n = t.indexOf(f.param("node"));
                if (sim.node(n).processUp()) {
                    sim.agent(n).processStopping(false, "agent restart");
                    sim.membership().processCrashed(n);
                }
                heal = () -> sim.membership().startProcess(n);
            }
            case PARTITION -> {
                SimNetwork.Cut cut = new SimNetwork.Cut(t.parseSet(f.param("side")), f.param("dir"));
                sim.network().addCut(cut);
                sim.membership().changed();
                heal = () -> {
                    sim.network().removeCut(cut);
                    sim.membership().changed();
                };
            }
            case FAILOVER -> {
                SchedulerProcess s = sim.singleton();
                if (s == null) {
                    heal = () -> { };
                } else if (f.param("mode").equals("pause")) {
                    int host = s.host;
                    sim.node(host).pause(true);
                    s.pause();
                    sim.membership().changed();
                    heal = () -> sim.membership().wokeUp(host, s);
                } else if (f.param("mode").equals("crash")) {
                    int host = s.host;
                    crashMachine(host);
                    heal = () -> bootMachine(host);
                } else {
                    int host = s.host;
                    sim.membership().leave(host);
                    heal = () -> sim.membership().startProcess(host);
                }
            }
            case CRASH_LOOP -> {
                String job = f.param("job");
                crashLooping.merge(job, 1, Integer::sum);
                replanAll(job);
                heal = () -> crashLooping.merge(job, -1, Integer::sum);
            }
            case OOM -> {
                int n = t.indexOf(f.param("node"));
                oomP[n] = f.probability("p");
                oomEnd[n] = f.end();
                sim.agent(n).replanExits(null);
                heal = () -> {
                };
            }
            case SLOW_PULLS -> {
                slowPulls.add(f);
                refreshRegistry();
                heal = () -> {
                    slowPulls.remove(f);
                    refreshRegistry();
                };
            }
            case FAILING_PULLS -> {
                failingPulls.add(f);
                refreshRegistry();
                heal = () -> {
                    failingPulls.remove(f);
                    refreshRegistry();
                };
            }
            case REGISTRY_OUTAGE -> {
                outages++;
                refreshRegistry();
                heal = () -> {
                    outages--;
                    refreshRegistry();
                };
            }
            case CLOCK_JUMP -> {
                int n = t.indexOf(f.param("node"));
                String by = f.param("by");
                long ms = SimDurations.parseMillis(by.replaceFirst("^[-+]", ""));
                sim.node(n).jumpClock(by.startsWith("-") ? -ms : ms);
                heal = () -> {
                };
            }
            case LOSSY_NETWORK -> {
                lossy.add(f);
                refreshNetwork();
                heal = () -> {
                    lossy.remove(f);
                    refreshNetwork();
                };
            }
            case SLOW_NETWORK -> {
                slowNet.add(f);
                refreshNetwork();
                heal = () -> {
                    slowNet.remove(f);
                    refreshNetwork();
                };
            }
            default -> throw new IllegalStateException(f.kind().toString());
        }
        sim.loop().at(f.end(), () -> {
            heal.run();
            active--;
            sim.trace().begin().append("fault-end ").append(f.kind().text());
            sim.trace().end();
            sim.checker().faultEnded(f);
        });
    }

    private void crashMachine(int n) {
        SimNode node = sim.node(n);
        if (!node.machineUp()) {
            return;
        }
        node.machine(false);
        if (sim.topology().isAgent(n)) {
            sim.nodeDying(n, "machine crash");
            sim.agent(n).machineCrashed();
        }
        if (node.processUp()) {
            sim.membership().processCrashed(n);
        }
    }

    private void bootMachine(int n) {
        SimNode node = sim.node(n);
        if (node.machineUp()) {
            return;
        }
        node.machine(true);
        sim.membership().startProcess(n);
    }

    private void replanAll(String job) {
        for (int i = 0; i < sim.topology().agents(); i++) {
            if (sim.node(i).machineUp()) {
                sim.agent(i).replanExits(job);
            }
        }
    }

    private void refreshRegistry() {
        double slow = 1;
        for (Fault f : slowPulls) {
            slow = Math.min(slow, Double.parseDouble(f.param("factor")));
        }
        double fail = 0;
        for (Fault f : failingPulls) {
            fail = Math.max(fail, f.probability("p"));
        }
        sim.registry().slowFactor(slow);
        sim.registry().failingPulls(fail);
        sim.registry().outage(outages > 0);
    }

    private void refreshNetwork() {
        double p = 0;
        for (Fault f : lossy) {
            p = Math.max(p, f.probability("p"));
        }
        long extra = 0;
        for (Fault f : slowNet) {
            extra = Math.max(extra, SimDurations.parseMillis(f.param("extra")));
        }
        sim.network().setFaultLoss(p);
        sim.network().setExtraDelay(extra);
    }

    /** A node set as a fault file writes it (for tests and reports). */
    static String describe(Topology t, BitSet set) {
        return t.formatSet(set);
    }
}
