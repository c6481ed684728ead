package io.gantry.agent.supervision;

import io.gantry.agent.container.ContainerPhase;
import io.gantry.agent.container.ContainerView;
import io.gantry.agent.container.ResolvedImage;
import io.gantry.agent.restart.RestartDecision;
import io.gantry.agent.restart.RestartState;
import io.gantry.agent.restart.RestartTracker;
import io.gantry.agent.runtime.ContainerExit;
import io.gantry.agent.runtime.ContainerHandle;
import io.gantry.agent.runtime.ContainerState;
import io.gantry.agent.runtime.ContainerStatus;
import io.gantry.agent.runtime.Signals;
import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.job.RestartPolicy;
import io.gantry.protocol.oci.Digest;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The life of one container on this node as a plain state machine: {@link #handle} takes a
 * {@link LifecycleEvent} and returns the {@link LifecycleEffect}s its shell must carry out. No
 * threads, timers or I/O here -- the supervisor actor (or a test, or the simulator) runs the
 * effects and feeds their outcomes back, and the clock is injected.
 *
 * <h2>One run</h2>
 * {@code Start} → {@link LifecycleEffect.ResolveImage} (phase pulling) → {@code ImageResolved} →
 * {@link LifecycleEffect.Launch} of run n (starting) → {@code Launched} → {@link LifecycleEffect.Watch}
 * (running) → {@code Exited}. Then the {@link RestartTracker} decides: another run after a delay
 * ({@link LifecycleEffect.ArmRestart}, phase backoff, crash looping when runs keep ending early)
 * or the end (exited; failed when it never got to run). Every change is persisted and published.
 *
 * <h2>Stop and removal</h2>
 * A stop sends the stop signal with a grace period to a running process, cancels a pending
 * restart, and is remembered while a pull or launch is in flight so that its outcome ends the
 * container instead of running it. A stopped container is never restarted. A removal tears down
 * a container that has ended; a forced one kills it first. A container created with
 * {@code autoRemove} tears itself down when it ends.
 *
 * <h2>Agent restarts</h2>
 * {@link #restore} rebuilds the machine from its {@link ContainerRecord}; the first event is then
 * {@code Recovered} with what the runtime knows: a run still going is watched again, one that
 * ended meanwhile is handled as an exit, an interrupted pull or launch starts over, a pending
 * restart is re-armed for what is left of its delay.
 */
public final class ContainerLifecycle {

    /** What does not change over a container's life. */
    public record Identity(String id, String name, JobSpec spec, Optional<AllocationId> allocation,
                           Optional<Digest> pinnedManifest, boolean autoRemove, Instant createdAt) {
        public Identity {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(spec, "spec");
            Objects.requireNonNull(allocation, "allocation");
            Objects.requireNonNull(pinnedManifest, "pinnedManifest");
            Objects.requireNonNull(createdAt, "createdAt");
        }
    }

    private final Identity identity;
    private final RestartTracker tracker;
    private final Clock clock;

    private ContainerPhase phase = ContainerPhase.PENDING;
    private int run;
    private ResolvedImage image;
    private String imageDigest;
    private ContainerHandle handle;
    private RestartState restart = RestartState.INITIAL;
    private boolean crashLooping;
    private Instant nextRestartAt;
    private ContainerExit lastExit;
    private Instant startedAt;
    private Instant finishedAt;
    private boolean stopRequested;
    private boolean removeRequested;
    private Duration stopGrace;
    private String message = "";
    private int stopSignal = Signals.SIGTERM;
    private List<String> command = List.of();
    private boolean removed;

    public ContainerLifecycle(Identity identity, RestartTracker tracker, Clock clock) {
        this.identity = Objects.requireNonNull(identity, "identity");
        this.tracker = Objects.requireNonNull(tracker, "tracker");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.stopGrace = identity.spec().stopTimeout();
    }

    /** A tracker for the spec's restart policy and backoff. */
    public static RestartTracker trackerFor(JobSpec spec, Clock clock) {
        return new RestartTracker(spec.restart(), spec.restartBackoff(), clock);
    }

    /** The machine as the record left it; feed it {@link LifecycleEvent.Recovered} next. */
    public static ContainerLifecycle restore(ContainerRecord r, RestartTracker tracker, Clock clock) {
        ContainerLifecycle l = new ContainerLifecycle(new Identity(r.id(), r.name(), r.spec(), r.allocation(),
                r.pinnedManifest(), r.autoRemove(), r.createdAt()), tracker, clock);
        l.phase = r.phase();
        l.run = r.run();
        l.imageDigest = r.imageDigest().orElse(null);
        l.handle = r.handle().orElse(null);
        l.restart = r.restart();
        l.crashLooping = r.crashLooping();
        l.nextRestartAt = r.nextRestartAt().orElse(null);
        l.lastExit = r.exit().map(s -> new ContainerExit(Optional.of(s), r.finishedAt().orElse(r.createdAt()), r.exitDetail()))
                .orElse(r.finishedAt().isPresent() && !r.exitDetail().isEmpty()
                        ? ContainerExit.unknown(r.exitDetail(), r.finishedAt().get()) : null);
        l.startedAt = r.startedAt().orElse(null);
        l.finishedAt = r.finishedAt().orElse(null);
        l.stopRequested = r.stopRequested();
        l.removeRequested = r.removeRequested();
        l.message = r.message();
        l.stopSignal = r.stopSignal();
        l.command = r.command();
        return l;
    }

    public Identity identity() {
        return identity;
    }

    public ContainerPhase phase() {
        return phase;
    }

    public int run() {
        return run;
    }

    public boolean removed() {
        return removed;
    }

    /** Why a removal is refused now, or empty when it may go ahead. */
    public Optional<String> removalRefusal(boolean force) {
        if (force || phase.terminal()) {
            return Optional.empty();
        }
        return Optional.of("container " + identity.name() + " is " + phase.text()
                + ": stop it first or remove it with force");
    }

    // ------------------------------------------------------------------ events

    public List<LifecycleEffect> handle(LifecycleEvent event) {
        List<LifecycleEffect> out = new ArrayList<>();
        if (removed) {
            return out;
        }
        if (event instanceof LifecycleEvent.Start) {
            if (phase == ContainerPhase.PENDING) {
                resolve(out);
            }
        } else if (event instanceof LifecycleEvent.Recovered e) {
            recovered(e.runtime(), out);
        } else if (event instanceof LifecycleEvent.ImageResolved e) {
            imageResolved(e.image(), out);
        } else if (event instanceof LifecycleEvent.ImageFailed e) {
            if (phase == ContainerPhase.PULLING) {
                startFailed("image " + identity.spec().image() + ": " + e.error(), out);
            }
        } else if (event instanceof LifecycleEvent.Launched e) {
            launched(e, out);
        } else if (event instanceof LifecycleEvent.LaunchFailed e) {
            if (e.run() == run && phase == ContainerPhase.STARTING) {
                startFailed(e.error(), out);
            }
        } else if (event instanceof LifecycleEvent.Exited e) {
            if (e.run() == run && phase.live()) {
                exited(e.exit(), out);
            }
        } else if (event instanceof LifecycleEvent.RestartDue e) {
            if (e.run() == run && phase == ContainerPhase.BACKOFF) {
                nextRestartAt = null;
                if (image == null) {
                    resolve(out);
                } else {
                    launch(out);
                }
            }
        } else if (event instanceof LifecycleEvent.StopRequested e) {
            stop(e.grace(), e.reason(), out);
        } else if (event instanceof LifecycleEvent.RemoveRequested e) {
            remove(e.force(), out);
        } else if (event instanceof LifecycleEvent.TornDown) {
            removed = true;
            out.add(new LifecycleEffect.Removed());
        } else if (event instanceof LifecycleEvent.TeardownFailed e) {
            removeRequested = false;
            message = "remove failed: " + e.error();
            out.add(new LifecycleEffect.Persist());
            out.add(new LifecycleEffect.Publish());
            out.add(new LifecycleEffect.RemoveFailed(e.error()));
        } else {
            throw new IllegalArgumentException("unknown lifecycle event " + event);
        }
        return out;
    }

    private void resolve(List<LifecycleEffect> out) {
        phase = ContainerPhase.PULLING;
        message = "resolving image " + identity.spec().image();
        out.add(new LifecycleEffect.Persist());
        out.add(new LifecycleEffect.Publish());
        out.add(new LifecycleEffect.ResolveImage(identity.spec().image(), identity.pinnedManifest()));
    }

    private void imageResolved(ResolvedImage resolved, List<LifecycleEffect> out) {
        if (phase != ContainerPhase.PULLING) {
            return;
        }
        image = resolved;
        imageDigest = resolved.target().digest().toString();
        if (stopRequested) {
            end(ContainerPhase.EXITED, "stopped before it started", out);
            return;
        }
        launch(out);
    }

    private void launch(List<LifecycleEffect> out) {
        run++;
        phase = ContainerPhase.STARTING;
        message = restart.restarts() == 0 ? "starting" : "restarting (restart " + restart.restarts() + ")";
        // not persisted: a record that still says pulling (or backoff) makes a restarted agent
        // launch again, after sweeping whatever this launch left in the runtime
        out.add(new LifecycleEffect.Publish());
        out.add(new LifecycleEffect.Launch(run, image));
    }

    private void launched(LifecycleEvent.Launched e, List<LifecycleEffect> out) {
        if (e.run() != run || phase != ContainerPhase.STARTING) {
            return;
        }
        handle = e.handle();
        startedAt = e.handle().startedAt();
        stopSignal = e.stopSignal();
        command = e.command();
        phase = ContainerPhase.RUNNING;
        message = "";
        out.add(new LifecycleEffect.Persist());
        out.add(new LifecycleEffect.Watch(run));
        if (stopRequested) {
            phase = ContainerPhase.STOPPING;
            message = removeRequested ? "removing" : "stopping";
            out.add(new LifecycleEffect.Stop(run, removeRequested ? Signals.SIGKILL : stopSignal,
                    removeRequested ? Duration.ZERO : stopGrace));
        }
        out.add(new LifecycleEffect.Publish());
    }

    private void startFailed(String error, List<LifecycleEffect> out) {
        if (stopRequested) {
            message = error;
            end(ContainerPhase.EXITED, "stopped; " + error, out);
            return;
        }
        RestartDecision d = tracker.afterStartFailure(restart, error);
        lastExit = null;
        finishedAt = clock.instant();
        if (d.restart()) {
            backoff(d, out);
        } else {
            restart = d.next();
            end(ContainerPhase.FAILED, error, out);
        }
    }

    private void exited(ContainerExit exit, List<LifecycleEffect> out) {
        handle = null;
        lastExit = exit;
        finishedAt = exit.finishedAt();
        Duration ran = startedAt == null || finishedAt.isBefore(startedAt) ? Duration.ZERO
                : Duration.between(startedAt, finishedAt);
        RestartDecision d = tracker.afterExit(restart, exit.status(), ran, stopRequested);
        if (d.restart()) {
            backoff(d, out);
        } else {
            restart = d.next();
            end(ContainerPhase.EXITED, d.reason(), out);
        }
    }

    private void backoff(RestartDecision d, List<LifecycleEffect> out) {
        restart = d.next();
        crashLooping = d.crashLooping();
        nextRestartAt = d.nextAttemptAt();
        phase = ContainerPhase.BACKOFF;
        message = d.reason();
        out.add(new LifecycleEffect.Persist());
        out.add(new LifecycleEffect.Publish());
        out.add(new LifecycleEffect.ArmRestart(run, d.delay()));
    }

    /** No more runs: record it, tell the waiters, and tear down when asked to. */
    private void end(ContainerPhase terminal, String why, List<LifecycleEffect> out) {
        phase = terminal;
        handle = null;
        nextRestartAt = null;
        crashLooping = false;
        if (finishedAt == null) {
            finishedAt = clock.instant();
        }
        message = why;
        // the waiters hear first: should the agent die before the record is written, the next
        // one finds the same end (the runtime's exit record) and reaches the same verdict
        out.add(new LifecycleEffect.Publish());
        out.add(new LifecycleEffect.Finished());
        out.add(new LifecycleEffect.Persist());
        if (identity.autoRemove() || removeRequested) {
            removeRequested = true;
            out.add(new LifecycleEffect.Teardown());
        }
    }

    private void stop(Duration grace, String reason, List<LifecycleEffect> out) {
        boolean first = !stopRequested;
        stopRequested = true;
        stopGrace = grace;
        switch (phase) {
            case PENDING, PULLING, STARTING -> {
                if (first) {
                    message = "stop requested (" + reason + ")";
                    out.add(new LifecycleEffect.Persist());
                    out.add(new LifecycleEffect.Publish());
                }
            }
            case RUNNING -> {
                phase = ContainerPhase.STOPPING;
                message = "stopping (" + reason + ")";
                out.add(new LifecycleEffect.Persist());
                out.add(new LifecycleEffect.Publish());
                out.add(new LifecycleEffect.Stop(run, stopSignal, grace));
            }
            case STOPPING -> {
                // already on its way; the first grace period stands
            }
            case BACKOFF -> {
                out.add(new LifecycleEffect.CancelRestart());
                end(ContainerPhase.EXITED, "stopped (" + reason + ") while waiting to restart", out);
            }
            case EXITED, FAILED -> {
                if (first) {
                    out.add(new LifecycleEffect.Persist());
                }
            }
            default -> throw new IllegalStateException("unhandled phase " + phase);
        }
    }

    private void remove(boolean force, List<LifecycleEffect> out) {
        if (removalRefusal(force).isPresent() || removeRequested) {
            return;
        }
        removeRequested = true;
        stopRequested = true;
        switch (phase) {
            case EXITED, FAILED -> {
                message = "removing";
                out.add(new LifecycleEffect.Persist());
                out.add(new LifecycleEffect.Teardown());
            }
            case BACKOFF -> {
                out.add(new LifecycleEffect.CancelRestart());
                end(ContainerPhase.EXITED, "removed while waiting to restart", out);
            }
            case RUNNING, STOPPING -> {
                phase = ContainerPhase.STOPPING;
                message = "removing";
                out.add(new LifecycleEffect.Persist());
                out.add(new LifecycleEffect.Publish());
                out.add(new LifecycleEffect.Stop(run, Signals.SIGKILL, Duration.ZERO));
            }
            case PENDING, PULLING, STARTING -> {
                message = "removing";
                out.add(new LifecycleEffect.Persist());
                out.add(new LifecycleEffect.Publish());
            }
            default -> throw new IllegalStateException("unhandled phase " + phase);
        }
    }

    private void recovered(Optional<ContainerStatus> runtime, List<LifecycleEffect> out) {
        switch (phase) {
            case RUNNING, STOPPING -> {
                if (runtime.isPresent() && runtime.get().state() != ContainerState.EXITED) {
                    message = "adopted after an agent restart";
                    out.add(new LifecycleEffect.Watch(run));
                    if (phase == ContainerPhase.STOPPING) {
                        out.add(new LifecycleEffect.Stop(run, removeRequested ? Signals.SIGKILL : stopSignal,
                                removeRequested ? Duration.ZERO : stopGrace));
                    }
                    out.add(new LifecycleEffect.Publish());
                } else {
                    ContainerExit exit = runtime.flatMap(ContainerStatus::exit).orElseGet(() -> ContainerExit.unknown(
                            "the runtime has no record of it after an agent restart", clock.instant()));
                    exited(exit, out);
                }
            }
            case PENDING, PULLING, STARTING -> {
                // the pull or launch was cut short by the agent's end: start over
                phase = ContainerPhase.PENDING;
                handle = null;
                if (stopRequested) {
                    end(ContainerPhase.EXITED, "stopped before it started", out);
                } else {
                    resolve(out);
                }
            }
            case BACKOFF -> {
                Duration left = nextRestartAt == null ? Duration.ZERO : Duration.between(clock.instant(), nextRestartAt);
                out.add(new LifecycleEffect.Publish());
                out.add(new LifecycleEffect.ArmRestart(run, left.isNegative() ? Duration.ZERO : left));
            }
            case EXITED, FAILED -> {
                if (removeRequested || identity.autoRemove()) {
                    out.add(new LifecycleEffect.Teardown());
                } else if (restartsWithAgent() && tracker.startAfterAgentRestart(stopRequested)) {
                    stopRequested = false;
                    message = "started again after an agent restart (" + identity.spec().restart() + ")";
                    resolve(out);
                } else {
                    out.add(new LifecycleEffect.Publish());
                }
            }
            default -> throw new IllegalStateException("unhandled phase " + phase);
        }
    }

    /** Docker starts always and unless-stopped containers again when its daemon starts. */
    private boolean restartsWithAgent() {
        RestartPolicy.Kind k = identity.spec().restart().kind();
        return k == RestartPolicy.Kind.ALWAYS || k == RestartPolicy.Kind.UNLESS_STOPPED;
    }

    // ------------------------------------------------------------------ views

    public ContainerView view() {
        return new ContainerView(identity.id(), identity.name(), identity.spec().image(), Optional.ofNullable(imageDigest),
                phase, identity.createdAt(), Optional.ofNullable(startedAt), Optional.ofNullable(finishedAt),
                handle == null ? 0 : handle.initPid(),
                lastExit == null ? Optional.empty() : lastExit.status(),
                lastExit == null ? "" : lastExit.detail(),
                restart.restarts(), crashLooping, Optional.ofNullable(nextRestartAt), message, identity.allocation(),
                identity.autoRemove(), stopRequested, command, identity.spec());
    }

    public ContainerRecord record() {
        return new ContainerRecord(ContainerRecord.VERSION, identity.id(), identity.name(), identity.spec(),
                identity.allocation(), identity.pinnedManifest(), identity.autoRemove(), identity.createdAt(), phase, run,
                Optional.ofNullable(imageDigest), Optional.ofNullable(handle), restart, crashLooping,
                Optional.ofNullable(nextRestartAt), lastExit == null ? Optional.empty() : lastExit.status(),
                lastExit == null ? "" : lastExit.detail(), Optional.ofNullable(startedAt), Optional.ofNullable(finishedAt),
                stopRequested, removeRequested, message, stopSignal, command);
    }

    /** The runtime handle of the current run, while one may exist. */
    public Optional<ContainerHandle> handleOfRun() {
        return Optional.ofNullable(handle);
    }
}
