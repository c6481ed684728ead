package io.gantry.agent.restart;

/**
 * What the restart tracker remembers about one allocation between exits: how many restarts it
 * has made, the backoff attempt the last delay used (1 = the initial delay; back to 1 after a
 * long enough run) and how many runs in a row ended too soon. A plain value: the supervisor keeps
 * it (and persists it with the allocation), the tracker only computes the next one.
 */
public record RestartState(int restarts, int backoffAttempt, int shortRuns) {

    public static final RestartState INITIAL = new RestartState(0, 0, 0);

    public RestartState {
        if (restarts < 0 || backoffAttempt < 0 || shortRuns < 0) {
            throw new IllegalArgumentException("restart state counters must not be negative");
        }
    }
}
