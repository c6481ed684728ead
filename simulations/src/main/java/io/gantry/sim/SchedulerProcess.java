package io.gantry.sim;

import io.gantry.protocol.cluster.AllocationStatusChanged;
import io.gantry.protocol.cluster.LayersChanged;
import io.gantry.protocol.cluster.ReconcileReport;
import io.gantry.protocol.node.NodeId;
import io.gantry.scheduler.core.Outcome;
import io.gantry.scheduler.core.SchedulerCommand;
import io.gantry.scheduler.core.SchedulerCore;
import io.gantry.scheduler.core.SchedulerEffect;
import io.gantry.scheduler.core.SchedulerEvent;
import io.gantry.scheduler.core.SchedulerState;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;

/**
 * One incarnation of the scheduler singleton on a scheduler-role node: the shell the real
 * singleton actor is, around the real {@link SchedulerCore}.
 *
 * <ol>
 *   <li>Start: read the journal, {@link SchedulerCore#recover} (which starts the next epoch),
 *       persist what recovery emitted, carry out its effects.</li>
 *   <li>Commands (agent reports, user requests, membership's NodeDown, ticks) are handled one at
 *       a time, in arrival order. When a command emitted events, the shell waits for them to be
 *       written (the journal's latency) before it sends, replies or takes the next command — as
 *       a persistent actor stashes — so nothing is acknowledged before it is durable.</li>
 *   <li>A write that conflicts with another incarnation's stops this one; so does its node's
 *       death. Events not yet written when it dies are lost with it (never acknowledged).</li>
 * </ol>
 */
final class SchedulerProcess {

    static final long PERSIST_LATENCY = 2;
    static final long TICK_INTERVAL = 5_000;

    private record Inbound(SchedulerCommand command, long requestId) {
    }

    private final Simulation sim;
    private final SchedulerCore core;
    final int host;
    final long singleton;
    private final int hostIncarnation;
    private SchedulerState state;
    private long written;
    private long recoveredFrom = -1;
    private boolean alive = true;
    private boolean ready;
    private boolean busy;
    /** The journal's length at the latest snapshot (taken, or recovered from; 0 for none). */
    private long lastSnapshot;
    /** This incarnation's first write (its EpochStarted) is in the journal. */
    private boolean epochDurable;
    private final ArrayDeque<Inbound> inbox = new ArrayDeque<>();
    private long armedWakeUp = Long.MAX_VALUE;
    private long handled;
    private boolean paused;
    private final java.util.List<Runnable> deferred = new java.util.ArrayList<>();

    SchedulerProcess(Simulation sim, SchedulerCore core, int host, long singleton) {
        this.sim = sim;
        this.core = core;
        this.host = host;
        this.singleton = singleton;
        this.hostIncarnation = sim.node(host).incarnation();
    }

    boolean alive() {
        return alive && sim.node(host).processUp() && sim.node(host).incarnation() == hostIncarnation;
    }

    boolean ready() {
        return ready && alive();
    }

    SchedulerState state() {
        return state;
    }

    long handled() {
        return handled;
    }

    /** The journal's length when this incarnation recovered (-1 before): what it wrote is after that. */
    long recoveredFrom() {
        return recoveredFrom;
    }

    private Instant now() {
        return sim.instantAt(host);
    }

    /** Recovery: replays the journal (taking simulated time in proportion to its length). */
    void start() {
        Journal.Snapshot snap = sim.options().snapshotEvery() > 0 ? sim.journal().latestSnapshot() : null;
        long from = snap == null ? 0 : snap.seq();
        List<SchedulerEvent> events = sim.journal().readAfter(from);
        long size = from + events.size();
        // (the time recovery takes does not depend on snapshots, so that runs with and without
        // them can be compared decision for decision)
        long replayMillis = 200 + size / 400;
        sim.trace().begin().append("scheduler-recover ").append(sim.name(host)).append(" singleton=")
                .append(singleton).append(" journal=").append(size);
        sim.trace().end();
        sim.loop().after(replayMillis, () -> {
            if (!alive()) {
                return;
            }
            SchedulerState recovered = snap == null ? new SchedulerState() : SchedulerState.restore(snap.state());
            for (SchedulerEvent e : events) {
                recovered.apply(e);
            }
            Outcome o = core.recover(recovered, now());
            state = o.state();
            written = size;
            recoveredFrom = size;
            lastSnapshot = from;
            ready = true;
            sim.trace().begin().append("scheduler-ready ").append(sim.name(host)).append(" epoch=")
                    .append(state.epoch());
            sim.trace().end();
            sim.schedulerReady(this);
            carryOut(o, -1);
            tick();
        });
    }

    boolean paused() {
        return paused;
    }

    /** The process freezes: nothing is handled, no timer runs, until {@link #resume()}. */
    void pause() {
        paused = true;
        sim.trace().begin().append("scheduler-pause ").append(sim.name(host)).append(" singleton=").append(singleton);
        sim.trace().end();
    }

    /** It wakes up and carries on where it was, unaware of what happened meanwhile (a zombie if it was replaced). */
    void resume() {
        paused = false;
        sim.trace().begin().append("scheduler-resume ").append(sim.name(host)).append(" singleton=").append(singleton)
                .append(" backlog=").append(inbox.size());
        sim.trace().end();
        List<Runnable> todo = new java.util.ArrayList<>(deferred);
        deferred.clear();
        todo.forEach(Runnable::run);
        pump();
    }

    /** Runs {@code r} now, or when the process wakes up. */
    private void whenAwake(Runnable r) {
        if (paused) {
            deferred.add(r);
        } else {
            r.run();
        }
    }

    void stop(String why) {
        if (alive) {
            alive = false;
            sim.trace().begin().append("scheduler-stop ").append(sim.name(host)).append(" singleton=")
                    .append(singleton).append(' ').append(why);
            sim.trace().end();
        }
    }

    private void tick() {
        sim.loop().after(TICK_INTERVAL, () -> whenAwake(() -> {
            if (alive()) {
                deliver(new SchedulerCommand.Tick(), -1);
                tick();
            }
        }));
    }

    /** An agent's message, translated into the core's command as the actor's handlers do. */
    void fromAgent(Object report) {
        SchedulerCommand c;
        if (report instanceof SchedulerCommand.RegisterNode r) {
            c = r;
        } else if (report instanceof AllocationStatusChanged s) {
            c = new SchedulerCommand.ReportAllocation(s.nodeId(), s.epoch(), s.status());
        } else if (report instanceof ReconcileReport r) {
            c = new SchedulerCommand.ReportReconcile(r.nodeId(), r.epoch(), r.allocations());
        } else if (report instanceof LayersChanged l) {
            c = new SchedulerCommand.ReportLayers(l.nodeId(), l.added(), l.removed());
        } else {
            throw new IllegalArgumentException("unexpected report " + report);
        }
        deliver(c, -1);
    }

    /** A command; {@code requestId} >= 0 when a user waits for the reply. */
    void deliver(SchedulerCommand c, long requestId) {
        if (!alive()) {
            return;
        }
        inbox.addLast(new Inbound(c, requestId));
        pump();
    }

    private void pump() {
        while (!busy && !paused && ready && alive() && !inbox.isEmpty()) {
            Inbound in = inbox.pollFirst();
            Outcome o = core.handle(state, now(), in.command);
            handled++;
            carryOut(o, in.requestId);
        }
    }

    private void carryOut(Outcome o, long requestId) {
        List<SchedulerEvent> events = o.events();
        if (events.isEmpty()) {
            effects(o, requestId);
            return;
        }
        busy = true;
        sim.loop().after(PERSIST_LATENCY, () -> whenAwake(() -> {
            if (!alive()) {
                return; // died before the write landed: the events are lost with it
            }
            try {
                sim.journal().append(written, events);
            } catch (Journal.ConflictException e) {
                stop("journal conflict: " + e.getMessage());
                sim.singletonFailed(this);
                return;
            }
            if (sim.options().snapshots().due(lastSnapshot, written + events.size(), state)) {
                // the actor's decision (SchedulerActor.shouldSnapshot), after the write
                lastSnapshot = written + events.size();
                sim.journal().saveSnapshot(lastSnapshot, state.toSnapshot());
            }
            written += events.size();
            if (!epochDurable) {
                // Checked here rather than right after reading the journal: a zombie's last
                // write may land between the read and this first write, which then conflicts
                // and stops this incarnation before it acted on the stale state (as the JDBC
                // journal's key makes the real singleton fail and recover again).
                epochDurable = true;
                sim.checker().checkAcknowledged(state, "after recovery on " + sim.name(host));
            }
            sim.eventsPersisted(events);
            busy = false;
            effects(o, requestId);
            pump();
        }));
    }

    private void effects(Outcome o, long requestId) {
        for (SchedulerEffect e : o.effects()) {
            if (e instanceof SchedulerEffect.SendToNode s) {
                sim.network().send(host, sim.indexOf(s.node()), new Messages.ToAgent(singleton, s.command()));
            } else if (e instanceof SchedulerEffect.Reply r) {
                if (requestId >= 0) {
                    sim.network().send(host, sim.clientIndex(), new Messages.ClientReply(requestId, r.reply()));
                }
            } else if (e instanceof SchedulerEffect.WakeUpAt w) {
                wakeUpAt(w.at());
            }
        }
    }

    /** Ticks at the wall-clock time asked for, through a timer (which a clock jump does not move). */
    private void wakeUpAt(Instant at) {
        long localAt = at.toEpochMilli() - Simulation.EPOCH_MILLIS;
        long delay = Math.max(0, localAt - sim.node(host).localTime(sim.now())) + 1;
        long when = sim.now() + delay;
        if (when >= armedWakeUp && armedWakeUp > sim.now()) {
            return;
        }
        armedWakeUp = when;
        sim.loop().at(when, () -> whenAwake(() -> {
            if (armedWakeUp == when) {
                armedWakeUp = Long.MAX_VALUE;
            }
            deliver(new SchedulerCommand.Tick(), -1);
        }));
    }

    /** Cluster membership removed the node. */
    void nodeDown(NodeId node, String reason) {
        deliver(new SchedulerCommand.NodeDown(node, reason), -1);
    }
}
