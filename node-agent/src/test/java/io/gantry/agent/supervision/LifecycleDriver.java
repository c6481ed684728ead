package io.gantry.agent.supervision;

import io.gantry.agent.container.ResolvedImage;
import io.gantry.agent.logs.LogSink;
import io.gantry.agent.runtime.ContainerExit;
import io.gantry.agent.runtime.ContainerHandle;
import io.gantry.agent.runtime.ContainerRuntimeException;
import io.gantry.agent.runtime.FakeRuntime;
import io.gantry.agent.runtime.Signals;
import io.gantry.agent.runtime.StartRequest;
import io.gantry.protocol.oci.ContainerConfig;
import io.gantry.protocol.oci.Descriptor;
import io.gantry.protocol.oci.Digest;
import io.gantry.protocol.oci.ImageConfig;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.MediaTypes;
import io.gantry.protocol.oci.Platform;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.function.Function;

/**
 * Runs a {@link ContainerLifecycle}'s effects inline, against a {@link FakeRuntime} in virtual
 * time: what the supervisor actor does, without actors or threads. Effects and phases are
 * recorded for assertions; restart timers and the runtime's grace timers fire when the test
 * advances the clock.
 */
final class LifecycleDriver {

    static final ResolvedImage IMAGE = new ResolvedImage(ImageReference.parse("127.0.0.1:5000/app:1"),
            Descriptor.of(MediaTypes.OCI_MANIFEST, Digest.sha256(new byte[] {1}), 1),
            Descriptor.of(MediaTypes.OCI_MANIFEST, Digest.sha256(new byte[] {1}), 1),
            ImageConfig.of(Platform.of("linux", "amd64"), ContainerConfig.builder().cmd(List.of("app")).build(), List.of()),
            List.of());

    private record Timer(Instant at, long seq, Runnable task) {
    }

    final ManualClock clock;
    final FakeRuntime runtime;
    final ContainerLifecycle lifecycle;
    final List<LifecycleEffect> effects = new ArrayList<>();
    final List<String> phases = new ArrayList<>();
    final List<Duration> restartDelays = new ArrayList<>();
    final List<ContainerRecord> persisted = new ArrayList<>();
    private final Deque<LifecycleEvent> inbox = new ArrayDeque<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>(Comparator.comparing(Timer::at).thenComparing(Timer::seq));
    private long seq;
    private Timer restartTimer;
    Function<String, Optional<String>> imageError = ref -> Optional.empty();
    int finished;
    boolean removed;
    String removeFailure;

    LifecycleDriver(ContainerLifecycle lifecycle, ManualClock clock, Function<StartRequest, FakeRuntime.Behaviour> script) {
        this.clock = clock;
        this.lifecycle = lifecycle;
        this.runtime = new FakeRuntime(script, (delay, task) -> {
            Timer t = new Timer(clock.instant().plus(delay), seq++, task);
            timers.add(t);
            return () -> timers.remove(t);
        }, clock);
    }

    /** Feeds {@code event} and everything that follows from it until nothing more happens now. */
    LifecycleDriver send(LifecycleEvent event) {
        inbox.add(event);
        drain();
        return this;
    }

    /** Moves time forward by {@code d}, firing due timers in order. */
    LifecycleDriver advance(Duration d) {
        Instant until = clock.instant().plus(d);
        while (!timers.isEmpty() && !timers.peek().at().isAfter(until)) {
            Timer t = timers.poll();
            clock.advance(Duration.between(clock.instant(), t.at()));
            t.task().run();
            drain();
        }
        clock.advance(Duration.between(clock.instant(), until));
        return this;
    }

    /** Fires timers until none is left (or {@code limit} time passed). */
    LifecycleDriver runTimers(Duration limit) {
        return advance(limit);
    }

    String id() {
        return lifecycle.identity().id();
    }

    private void drain() {
        while (!inbox.isEmpty()) {
            LifecycleEvent e = inbox.poll();
            for (LifecycleEffect effect : lifecycle.handle(e)) {
                effects.add(effect);
                run(effect);
            }
            String p = lifecycle.phase().text();
            if (phases.isEmpty() || !phases.get(phases.size() - 1).equals(p)) {
                phases.add(p);
            }
        }
    }

    private void run(LifecycleEffect effect) {
        if (effect instanceof LifecycleEffect.ResolveImage r) {
            Optional<String> err = imageError.apply(r.reference());
            inbox.add(err.<LifecycleEvent>map(LifecycleEvent.ImageFailed::new).orElse(new LifecycleEvent.ImageResolved(IMAGE)));
        } else if (effect instanceof LifecycleEffect.Launch l) {
            runtime.destroy(id(), false);
            try {
                ContainerHandle h = runtime.start(new StartRequest(id(), Path.of("/nonexistent/bundle"), LogSink.discarding()));
                inbox.add(new LifecycleEvent.Launched(l.run(), h, Signals.SIGTERM, List.of("app")));
            } catch (ContainerRuntimeException.StartFailed e) {
                inbox.add(new LifecycleEvent.LaunchFailed(l.run(), e.getMessage()));
            }
        } else if (effect instanceof LifecycleEffect.Watch w) {
            runtime.await(id()).thenAccept(exit -> inbox.add(new LifecycleEvent.Exited(w.run(), exit)));
        } else if (effect instanceof LifecycleEffect.Stop s) {
            runtime.stop(id(), s.signal(), s.grace());
        } else if (effect instanceof LifecycleEffect.ArmRestart a) {
            restartDelays.add(a.delay());
            Timer t = new Timer(clock.instant().plus(a.delay()), seq++, () -> inbox.add(new LifecycleEvent.RestartDue(a.run())));
            restartTimer = t;
            timers.add(t);
        } else if (effect instanceof LifecycleEffect.CancelRestart) {
            if (restartTimer != null) {
                timers.remove(restartTimer);
            }
        } else if (effect instanceof LifecycleEffect.Persist) {
            persisted.add(lifecycle.record());
        } else if (effect instanceof LifecycleEffect.Finished) {
            finished++;
        } else if (effect instanceof LifecycleEffect.Teardown) {
            runtime.destroy(id(), true);
            inbox.add(new LifecycleEvent.TornDown());
        } else if (effect instanceof LifecycleEffect.Removed) {
            removed = true;
        } else if (effect instanceof LifecycleEffect.RemoveFailed f) {
            removeFailure = f.error();
        }
    }

    long count(Class<? extends LifecycleEffect> kind) {
        return effects.stream().filter(kind::isInstance).count();
    }

    /** Simulates the process ending by itself with {@code code}. */
    void exitWith(int code) {
        runtime.container(id()).exit(code);
        drain();
    }

    /** Sends the process a signal from outside (a user's kill, the OOM killer...). */
    void kill(int signal) {
        runtime.kill(id(), signal);
        drain();
    }

    static ContainerExit exit(int code, Instant at) {
        return ContainerExit.fromCode(code, false, at);
    }
}
