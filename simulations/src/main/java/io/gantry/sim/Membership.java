package io.gantry.sim;

import io.gantry.protocol.node.NodeId;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cluster membership as Pekko Cluster with the Split Brain Resolver (keep-majority) behaves,
 * reduced to its decisions and timings:
 *
 * <ul>
 *   <li>A member whose process died, or that a cut separates from others, is unreachable after
 *       {@link #DETECT} (the phi-accrual detector). A link cut in one direction counts, since
 *       heartbeats need an answer.</li>
 *   <li>Once the reachability picture has been stable for {@link #STABLE} (SBR's stable-after),
 *       the resolver decides: the side (nodes that reach each other) holding a strict majority of
 *       the members, or exactly half with the lowest-named member, stays; every other side downs
 *       itself, and crashed members are removed. Members of the surviving side that still see
 *       each other unreachable (a one-way cut within it) are "indirectly connected" and downed too.
 *       No majority: every side downs itself.</li>
 *   <li>A downed node's process stops its containers and exits; its supervisor (systemd) starts
 *       it again after about {@link #RESTART_DELAY}. A new process joins only a cluster that has
 *       no unreachable members (gossip convergence) and that it can reach; a new incarnation of a
 *       member replaces the old one.</li>
 *   <li>The scheduler singleton runs on the oldest scheduler-role member; it moves only once its
 *       host has been removed (or left), after a short hand-over.</li>
 * </ul>
 */
final class Membership {

    static final long DETECT = 5_000;
    static final long STABLE = 20_000;
    static final long RESTART_DELAY = 15_000;
    static final long JOIN_RETRY = 5_000;
    static final long HANDOVER = 1_000;

    private final Simulation sim;
    private final SimRandom rnd;
    private long joinCounter;
    private int decisionGen;
    private long singletonCounter;
    private boolean singletonStarting;
    private long downs;

    Membership(Simulation sim, SimRandom rnd) {
        this.sim = sim;
        this.rnd = rnd;
    }

    long downs() {
        return downs;
    }

    /** Scheduler-role nodes first (the first one hosts the singleton), then the agents. */
    void boot() {
        Topology t = sim.topology();
        for (int i = t.agents(); i < t.size(); i++) {
            startProcess(i);
        }
        for (int i = 0; i < t.agents(); i++) {
            startProcess(i);
        }
    }

    /** Something that changes reachability happened: the resolver decides once it has been stable. */
    void changed() {
        int g = ++decisionGen;
        sim.loop().after(DETECT + STABLE, () -> {
            if (g == decisionGen) {
                decide();
            }
        });
        sim.contactChanged();
    }

    void startProcess(int i) {
        SimNode n = sim.node(i);
        if (!n.machineUp() || n.processUp()) {
            return;
        }
        n.startProcess();
        sim.network().resetConnections(i);
        if (sim.topology().isAgent(i)) {
            sim.agent(i).processStarted();
        }
        sim.trace().begin().append("process-start ").append(n.name()).append(" incarnation=").append(n.incarnation());
        sim.trace().end();
        tryJoin(i, n.incarnation());
    }

    /** The process died (crash): it stays a member, unreachable, until the resolver removes it. */
    void processCrashed(int i) {
        SimNode n = sim.node(i);
        if (!n.processUp()) {
            return;
        }
        n.stopProcess();
        sim.network().resetConnections(i);
        sim.trace().begin().append("process-crash ").append(n.name());
        sim.trace().end();
        changed();
    }

    /** Graceful leave (a hand-over of the singleton): removed at once, nothing to detect. */
    void leave(int i) {
        SimNode n = sim.node(i);
        if (!n.processUp()) {
            return;
        }
        if (sim.topology().isAgent(i)) {
            sim.agent(i).processStopping(true, "left the cluster");
        }
        n.stopProcess();
        n.leave();
        sim.network().resetConnections(i);
        sim.trace().begin().append("process-leave ").append(n.name());
        sim.trace().end();
        ensureSingleton();
        sim.contactChanged();
    }

    private void tryJoin(int i, int incarnation) {
        SimNode n = sim.node(i);
        if (!n.processUp() || n.incarnation() != incarnation) {
            return;
        }
        if (n.member()) {
            // the previous incarnation is still a member: the new one replaces it
            n.leave();
            sim.trace().begin().append("member-replaced ").append(n.name());
            sim.trace().end();
            ensureSingleton();
        }
        if (!canJoin(i)) {
            sim.loop().after(JOIN_RETRY, () -> tryJoin(i, incarnation));
            return;
        }
        n.join(joinCounter++);
        sim.trace().begin().append("member-up ").append(n.name());
        sim.trace().end();
        if (sim.topology().isAgent(i)) {
            SchedulerProcess s = sim.singleton();
            if (s != null && s.ready()) {
                discover(i, s);
            }
        }
        ensureSingleton();
        sim.contactChanged();
    }

    /** A cluster with every member reachable from the joining node and from each other. */
    private boolean canJoin(int i) {
        int any = -1;
        for (int m = 0; m < sim.topology().size(); m++) {
            SimNode n = sim.node(m);
            if (!n.member()) {
                continue;
            }
            if (!n.responsive()) {
                return false; // an unreachable member blocks convergence until it is removed
            }
            if (any < 0) {
                any = m;
            } else if (sim.network().separated(any, m)) {
                return false;
            }
            if (sim.network().separated(i, m)) {
                return false;
            }
        }
        return true;
    }

    /** The split brain resolver's decision, keep-majority. */
    private void decide() {
        Topology t = sim.topology();
        List<Integer> members = new ArrayList<>();
        for (int m = 0; m < t.size(); m++) {
            if (sim.node(m).member()) {
                members.add(m);
            }
        }
        if (members.isEmpty()) {
            return;
        }
        // sides: live members grouped by which side of every cut they are on
        Map<String, List<Integer>> sides = new LinkedHashMap<>();
        List<Integer> crashed = new ArrayList<>();
        List<SimNetwork.Cut> cuts = sim.network().cuts();
        for (int m : members) {
            if (!sim.node(m).responsive()) {
                crashed.add(m);
                continue;
            }
            StringBuilder sig = new StringBuilder();
            for (SimNetwork.Cut c : cuts) {
                sig.append(c.side().get(m) ? '1' : '0');
            }
            sides.computeIfAbsent(sig.toString(), k -> new ArrayList<>()).add(m);
        }
        if (crashed.isEmpty() && sides.size() <= 1) {
            return; // everyone reaches everyone
        }
        int lowest = members.get(0);
        for (int m : members) {
            if (sim.name(m).compareTo(sim.name(lowest)) < 0) {
                lowest = m;
            }
        }
        List<Integer> winner = null;
        for (List<Integer> side : sides.values()) {
            if (side.size() * 2 > members.size() || (side.size() * 2 == members.size() && side.contains(lowest))) {
                winner = side;
            }
        }
        BitSet keep = new BitSet();
        if (winner != null) {
            for (int m : winner) {
                keep.set(m);
            }
        }
        StringBuilder b = sim.trace().begin().append("sbr-decision members=").append(members.size())
                .append(" sides=").append(sides.size()).append(" crashed=").append(crashed.size())
                .append(" keep=").append(keep.cardinality());
        sim.trace().end();
        List<Integer> removed = new ArrayList<>();
        for (int m : members) {
            if (!keep.get(m)) {
                removed.add(m);
            }
        }
        for (int m : removed) {
            down(m, winner == null ? "no side has a majority" : "unreachable from the majority");
        }
        SchedulerProcess s = sim.singleton();
        for (int m : removed) {
            if (t.isAgent(m) && s != null && s.alive() && keep.get(s.host)) {
                s.nodeDown(NodeId.of(sim.name(m)), "removed from the cluster by the split brain resolver");
            }
        }
        ensureSingleton();
        sim.contactChanged();
    }

    private void down(int m, String why) {
        SimNode n = sim.node(m);
        downs++;
        sim.stats().nodesDowned++;
        n.leave();
        sim.trace().begin().append("member-down ").append(n.name()).append(' ').append(why);
        sim.trace().end();
        if (!n.processUp()) {
            return; // crashed: it boots again on its own
        }
        if (n.paused()) {
            n.markDownedWhilePaused(); // it learns when it wakes up
            return;
        }
        if (sim.topology().isAgent(m)) {
            sim.nodeDying(m, "downed: " + why);
            sim.agent(m).processStopping(true, why);
        }
        n.stopProcess();
        sim.network().resetConnections(m);
        int inc = n.incarnation();
        sim.loop().after(RESTART_DELAY + rnd.between(0, 10_000), () -> {
            if (n.incarnation() == inc && !n.processUp()) {
                startProcess(m);
            }
        });
    }

    /**
     * A frozen process woke up: if the cluster downed it meanwhile, it learns so from the next
     * gossip (about a second, in which it acts on its backlog as if nothing happened) and then
     * shuts down and is restarted like any downed node.
     */
    void wokeUp(int i, SchedulerProcess zombie) {
        SimNode n = sim.node(i);
        n.pause(false);
        if (zombie != null) {
            zombie.resume();
        }
        if (n.member() || !n.processUp()) {
            changed();
            return;
        }
        int inc = n.incarnation();
        sim.loop().after(1_000, () -> {
            if (n.incarnation() != inc || !n.processUp()) {
                return;
            }
            if (zombie != null) {
                zombie.stop("learned it had been downed while paused");
            }
            sim.trace().begin().append("process-downed-on-wakeup ").append(n.name());
            sim.trace().end();
            if (sim.topology().isAgent(i)) {
                sim.agent(i).processStopping(true, "downed while paused");
            }
            n.stopProcess();
            sim.network().resetConnections(i);
            sim.loop().after(RESTART_DELAY + rnd.between(0, 10_000), () -> {
                if (n.incarnation() == inc && !n.processUp()) {
                    startProcess(i);
                }
            });
            changed();
        });
    }

    /** Starts the singleton on the oldest scheduler-role member once its previous host is gone. */
    void ensureSingleton() {
        SchedulerProcess s = sim.singleton();
        if (s != null) {
            if (sim.node(s.host).member()) {
                return; // alive, or crashed and not removed yet: the singleton waits for the resolver
            }
            if (!s.paused()) {
                s.stop("host left the cluster");
            }
            sim.singletonGone(s);
        }
        if (singletonStarting) {
            return;
        }
        int host = oldestScheduler();
        if (host < 0) {
            return;
        }
        singletonStarting = true;
        sim.loop().after(HANDOVER, () -> {
            singletonStarting = false;
            int h = oldestScheduler();
            SchedulerProcess cur = sim.singleton();
            if (h < 0 || cur != null) {
                return;
            }
            SchedulerProcess p = new SchedulerProcess(sim, sim.core(), h, ++singletonCounter);
            sim.singletonStarted(p);
            p.start();
        });
    }

    private int oldestScheduler() {
        int best = -1;
        Topology t = sim.topology();
        for (int i = t.agents(); i < t.size(); i++) {
            SimNode n = sim.node(i);
            if (n.member() && n.responsive() && (best < 0 || n.joinSeq() < sim.node(best).joinSeq())) {
                best = i;
            }
        }
        return best;
    }

    /** An agent identifies a ready singleton (the proxy's identification round trip). */
    void discover(int agent, SchedulerProcess s) {
        int inc = sim.node(agent).incarnation();
        sim.loop().after(rnd.between(200, 2_000), () -> {
            if (sim.node(agent).incarnation() == inc && sim.singleton() == s && s.ready()) {
                sim.agent(agent).schedulerAppeared(s.host, s.singleton);
            }
        });
    }
}
