package io.gantry.scheduler.placement;

/**
 * One scoring plugin (kube-scheduler's Score, Nomad's rank iterators): a number in [0, 1] for a
 * feasible node, higher is better. The placer combines them as a weighted mean.
 */
interface NodeScorer {

    /** Zero when the scorer has nothing to say about this ask (e.g. locality without known layers). */
    double weight(Ask ask);

    double score(PlanningState state, int position, Ask ask);
}
