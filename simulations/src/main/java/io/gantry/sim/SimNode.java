package io.gantry.sim;

/**
 * One simulated machine and the Gantry process on it. The process has an incarnation that grows
 * at every start (a new JVM: new connections, new actor refs, a new cluster member); the machine
 * can be down (a node crash: its containers are gone too). Its wall clock is true time plus an
 * offset that clock-jump faults move.
 */
public final class SimNode {

    private final int index;
    private final String name;
    private final boolean agentRole;
    private boolean machineUp = true;
    private boolean processUp;
    private int incarnation;
    private boolean member;
    private long joinSeq;
    private long clockOffset;
    private boolean paused;
    private boolean downedWhilePaused;

    SimNode(int index, String name, boolean agentRole) {
        this.index = index;
        this.name = name;
        this.agentRole = agentRole;
    }

    public int index() {
        return index;
    }

    public String name() {
        return name;
    }

    public boolean agentRole() {
        return agentRole;
    }

    public boolean machineUp() {
        return machineUp;
    }

    public boolean processUp() {
        return processUp;
    }

    public int incarnation() {
        return incarnation;
    }

    public boolean member() {
        return member;
    }

    /** Order of joining the cluster: the singleton runs on the oldest scheduler-role member. */
    public long joinSeq() {
        return joinSeq;
    }

    public long clockOffset() {
        return clockOffset;
    }

    /** Frozen (a long GC pause, SIGSTOP): alive but answering nothing, so unreachable. */
    public boolean paused() {
        return paused;
    }

    /** Reachable by the failure detector: running and not frozen. */
    public boolean responsive() {
        return processUp && !paused;
    }

    void pause(boolean p) {
        paused = p;
        if (p) {
            downedWhilePaused = false;
        }
    }

    /** The cluster removed it while it was frozen; it finds out when it wakes up. */
    boolean downedWhilePaused() {
        return downedWhilePaused;
    }

    void markDownedWhilePaused() {
        downedWhilePaused = true;
    }

    void machine(boolean up) {
        machineUp = up;
    }

    void startProcess() {
        processUp = true;
        incarnation++;
    }

    /** The process ends; it stays a cluster member (unreachable) until the membership removes it. */
    void stopProcess() {
        processUp = false;
    }

    void join(long seq) {
        member = true;
        joinSeq = seq;
    }

    void leave() {
        member = false;
    }

    void jumpClock(long by) {
        clockOffset += by;
    }

    /** The node's wall clock, in milliseconds since the simulation's epoch. */
    long localTime(long now) {
        return now + clockOffset;
    }
}
