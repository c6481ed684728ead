package io.gantry.sim;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The simulated network between node processes (and the client, an endpoint outside the
 * cluster that is never cut off). Each message gets a random delay; messages on one link
 * arrive in the order they were sent, as over one TCP connection (Pekko's Artery keeps that order).
 *
 * <p>Partitions are {@link Cut}s: a side of nodes cut from the rest in both directions or one.
 * A message sent over a cut link is held, as a connection's send buffer would, and goes out when
 * the link heals, unless either end has restarted (a new process, a new connection) or been
 * downed in between. Random loss (background or a lossy-network fault) drops messages outright.
 * A message is addressed to one process incarnation: if the receiver restarted while it was in
 * flight, it is dropped on arrival.
 */
public final class SimNetwork {

    /** Where a delivered message goes. */
    public interface Receiver {
        void receive(int from, int to, Object message);
    }

    /** One side of a partition; {@code dir}: both, in (nothing reaches the side) or out (nothing leaves it). */
    public record Cut(BitSet side, String dir) {
        boolean blocks(int from, int to) {
            boolean f = side.get(from);
            boolean t = side.get(to);
            if (f == t) {
                return false;
            }
            return switch (dir) {
                case "in" -> t;
                case "out" -> f;
                default -> true;
            };
        }

        /** Whether the cut separates the two, in either direction (what a failure detector sees). */
        boolean separates(int a, int b) {
            return side.get(a) != side.get(b);
        }
    }

    private record Message(int from, int fromIncarnation, int to, int toIncarnation, Object payload) {
    }

    private final Simulation sim;
    private final SimRandom rnd;
    private final Receiver receiver;
    private final List<Cut> cuts = new ArrayList<>();
    private final Map<Long, Long> lastArrival = new HashMap<>();
    private final Map<Long, ArrayDeque<Message>> held = new LinkedHashMap<>();
    private final int endpoints;
    private double backgroundLoss;
    private double faultLoss;
    private long extraDelay;
    private long sent;
    private long delivered;
    private long dropped;

    SimNetwork(Simulation sim, SimRandom rnd, Receiver receiver, int endpoints, double backgroundLoss) {
        this.sim = sim;
        this.rnd = rnd;
        this.receiver = receiver;
        this.endpoints = endpoints;
        this.backgroundLoss = backgroundLoss;
    }

    public long sent() {
        return sent;
    }

    public long delivered() {
        return delivered;
    }

    public long dropped() {
        return dropped;
    }

    public List<Cut> cuts() {
        return cuts;
    }

    void setFaultLoss(double p) {
        faultLoss = p;
    }

    void setExtraDelay(long millis) {
        extraDelay = millis;
    }

    public boolean blocked(int from, int to) {
        for (int i = 0; i < cuts.size(); i++) {
            if (cuts.get(i).blocks(from, to)) {
                return true;
            }
        }
        return false;
    }

    /** Whether either direction is cut: a failure detector (request and response) sees the peer unreachable. */
    public boolean separated(int a, int b) {
        for (int i = 0; i < cuts.size(); i++) {
            if (cuts.get(i).separates(a, b)) {
                return true;
            }
        }
        return false;
    }

    void addCut(Cut c) {
        cuts.add(c);
    }

    void removeCut(Cut c) {
        cuts.remove(c);
        // held messages whose link healed go out now, in order
        for (Iterator<Map.Entry<Long, ArrayDeque<Message>>> it = held.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, ArrayDeque<Message>> e = it.next();
            Message first = e.getValue().peekFirst();
            if (first == null || blocked(first.from, first.to)) {
                continue;
            }
            it.remove();
            for (Message m : e.getValue()) {
                if (sim.node(m.from).incarnation() == m.fromIncarnation && sim.node(m.from).processUp()) {
                    transmit(m);
                } else {
                    drop(m, "sender restarted");
                }
            }
        }
    }

    /** Drops what is held to or from the node: its connections are gone (it was downed or restarted). */
    void resetConnections(int node) {
        for (Iterator<Map.Entry<Long, ArrayDeque<Message>>> it = held.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, ArrayDeque<Message>> e = it.next();
            Message first = e.getValue().peekFirst();
            if (first != null && (first.from == node || first.to == node)) {
                it.remove();
                dropped += e.getValue().size();
            }
        }
    }

    public void send(int from, int to, Object payload) {
        SimNode src = sim.node(from);
        SimNode dst = sim.node(to);
        if (!src.processUp()) {
            return;
        }
        sent++;
        Message m = new Message(from, src.incarnation(), to, dst.incarnation(), payload);
        if (rnd.chance(backgroundLoss + faultLoss)) {
            drop(m, "lost");
            return;
        }
        if (!dst.processUp()) {
            drop(m, "receiver down");
            return;
        }
        if (blocked(from, to)) {
            ArrayDeque<Message> q = held.computeIfAbsent(link(from, to), k -> new ArrayDeque<>());
            if (q.size() >= 10_000) {
                drop(m, "send buffer full");
                return;
            }
            q.addLast(m);
            return;
        }
        transmit(m);
    }

    private void transmit(Message m) {
        long delay = 1 + rnd.exponential(1.5);
        if (extraDelay > 0) {
            delay += rnd.between(0, extraDelay);
        }
        long key = link(m.from, m.to);
        long arrival = sim.now() + delay;
        Long last = lastArrival.get(key);
        if (last != null && last > arrival) {
            arrival = last;
        }
        lastArrival.put(key, arrival);
        sim.loop().at(arrival, () -> arrive(m));
    }

    private void arrive(Message m) {
        SimNode dst = sim.node(m.to);
        if (!dst.processUp() || dst.incarnation() != m.toIncarnation) {
            drop(m, "receiver restarted");
            return;
        }
        delivered++;
        receiver.receive(m.from, m.to, m.payload);
    }

    private void drop(Message m, String why) {
        dropped++;
        if (sim.traceMessages()) {
            StringBuilder b = sim.trace().begin().append("drop ").append(sim.name(m.from)).append(" -> ")
                    .append(sim.name(m.to)).append(' ').append(why).append(' ');
            Simulation.describe(b, m.payload);
            sim.trace().end();
        }
    }

    private long link(int from, int to) {
        return (long) from * endpoints + to;
    }
}
