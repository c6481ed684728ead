package io.gantry.sim;

import io.gantry.protocol.allocation.ExitStatus;

import java.time.Duration;
import java.util.Optional;

/**
 * What the simulated agent asks after a container ended: restart it, when, or leave it stopped.
 * This is the seam where the node agent's pure {@code io.gantry.agent.restart.RestartTracker}
 * plugs in: the records below have the shape of its {@code RestartState} and
 * {@code RestartDecision}, and the two methods are its {@code afterExit} and
 * {@code afterStartFailure}, so the swap is one adapter class (see {@link InterimRestartRule}).
 */
public interface RestartRule {

    /** What the agent remembers between exits of one allocation. */
    record State(int restarts, int backoffAttempt, int shortRuns) {
        public static final State INITIAL = new State(0, 0, 0);
    }

    /** Restart after {@code delay} (then {@code next} is the state to keep), or stay stopped. */
    record Decision(boolean restart, Duration delay, State next, boolean crashLooping, String reason) {
    }

    Decision afterExit(State state, Optional<ExitStatus> exit, Duration ran, boolean stoppedByUser);

    Decision afterStartFailure(State state, String error);
}
