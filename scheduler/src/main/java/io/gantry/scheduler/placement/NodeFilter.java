package io.gantry.scheduler.placement;

/**
 * One feasibility check of the placement pipeline (kube-scheduler's Filter plugin, Nomad's
 * feasibility checker): cheap, pure, and with a reason when it says no, so that "why is my job
 * pending?" always has an answer.
 */
interface NodeFilter {

    /** Null when the node at {@code position} can take the ask, otherwise the reason it cannot. */
    String reject(PlanningState state, int position, Ask ask);
}
