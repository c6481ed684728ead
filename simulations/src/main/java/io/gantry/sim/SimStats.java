package io.gantry.sim;

import java.util.ArrayList;
import java.util.List;

/** Counters and time series a run collects for its report; plain fields, written by the simulation only. */
final class SimStats {

    long placements;
    long plans;
    long eventsPersisted;
    long restarts;
    long exits;
    long ooms;
    long startFailures;
    long pulls;
    long peerPulls;
    long pullFailures;
    long nodesDowned;
    long staleCommandsRejected;
    long singletonsStarted;
    long nodeDowns;
    int running;

    /** One sample of the cluster every {@link Simulation#sampleInterval()}. */
    record Sample(long at, int running, long desired, int agentsUp, int readyNodes, double cpu, double memory) {
    }

    final List<Sample> samples = new ArrayList<>();
    double cpuUtilSum;
    double memUtilSum;
    double cpuUtilPeak;
    double memUtilPeak;
}
