package io.gantry.scheduler.actor;

import io.gantry.protocol.job.JobSpec;
import io.gantry.scheduler.core.SchedulerReply;
import io.gantry.scheduler.metrics.MetricsSnapshot;
import io.gantry.scheduler.view.AllocationView;
import io.gantry.scheduler.view.JobDetail;
import io.gantry.scheduler.view.JobSummary;
import io.gantry.scheduler.view.NodeDetail;
import io.gantry.scheduler.view.NodeSummary;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.japi.function.Function;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;

/**
 * The REST layer's way to the scheduler singleton: one ask per call, through the proxy on this
 * node, with the configured timeout. A call that times out fails with {@link TimeoutException}
 * (the singleton may be moving or recovering): the route answers 503, and the command may or
 * may not have been applied, as with any timed-out request.
 */
public final class SchedulerClient {

    private final ActorRef<SchedulerActor.Command> scheduler;
    private final Duration timeout;
    private final Scheduler timers;

    public SchedulerClient(ActorRef<SchedulerActor.Command> scheduler, Duration timeout, ActorSystem<?> system) {
        this.scheduler = scheduler;
        this.timeout = timeout;
        this.timers = system.scheduler();
    }

    public Duration timeout() {
        return timeout;
    }

    public CompletionStage<SchedulerReply> submit(JobSpec spec) {
        return this.<SchedulerActor.CommandResult>ask(r -> new SchedulerActor.SubmitJob(spec, r)).thenApply(SchedulerActor.CommandResult::reply);
    }

    public CompletionStage<SchedulerReply> stop(String jobId) {
        return this.<SchedulerActor.CommandResult>ask(r -> new SchedulerActor.StopJob(jobId, r)).thenApply(SchedulerActor.CommandResult::reply);
    }

    public CompletionStage<SchedulerReply> scale(String jobId, int count) {
        return this.<SchedulerActor.CommandResult>ask(r -> new SchedulerActor.ScaleJob(jobId, count, r)).thenApply(SchedulerActor.CommandResult::reply);
    }

    public CompletionStage<SchedulerReply> drain(String nodeId) {
        return this.<SchedulerActor.CommandResult>ask(r -> new SchedulerActor.DrainNode(nodeId, r)).thenApply(SchedulerActor.CommandResult::reply);
    }

    public CompletionStage<List<JobSummary>> jobs() {
        return this.<SchedulerActor.JobList>ask(SchedulerActor.GetJobs::new).thenApply(SchedulerActor.JobList::jobs);
    }

    public CompletionStage<Optional<JobDetail>> job(String jobId) {
        return this.<SchedulerActor.JobAnswer>ask(r -> new SchedulerActor.GetJob(jobId, r))
                .thenApply(SchedulerActor.JobAnswer::job);
    }

    public CompletionStage<Optional<AllocationView>> allocation(String allocationId) {
        return this.<SchedulerActor.AllocationAnswer>ask(r -> new SchedulerActor.GetAllocation(allocationId, r))
                .thenApply(SchedulerActor.AllocationAnswer::allocation);
    }

    public CompletionStage<List<NodeSummary>> nodes() {
        return this.<SchedulerActor.NodeList>ask(SchedulerActor.GetNodes::new).thenApply(SchedulerActor.NodeList::nodes);
    }

    public CompletionStage<Optional<NodeDetail>> node(String nodeId) {
        return this.<SchedulerActor.NodeAnswer>ask(r -> new SchedulerActor.GetNode(nodeId, r))
                .thenApply(SchedulerActor.NodeAnswer::node);
    }

    public CompletionStage<MetricsSnapshot> metrics() {
        return this.<SchedulerActor.MetricsAnswer>ask(SchedulerActor.GetMetrics::new)
                .thenApply(SchedulerActor.MetricsAnswer::metrics);
    }

    private <R> CompletionStage<R> ask(Function<ActorRef<R>, SchedulerActor.Command> message) {
        return AskPattern.ask(scheduler, message, timeout, timers);
    }
}
