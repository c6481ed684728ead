package io.gantry.agent.runtime;

import io.gantry.agent.logs.LogSink;
import io.gantry.agent.logs.LogStream;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A {@link ContainerRuntime} without processes, for supervision tests and the simulator. What a
 * container does is a {@link Behaviour} chosen per start request by a lambda: exit at once with
 * some output, run until signalled, ignore SIGTERM, fail to start, or anything a test scripts
 * through the {@link FakeContainer} it gets (Flink's TestingTaskExecutorGateway style). Grace
 * periods go through an injected {@link Timers}, so the simulator can run them in virtual time.
 *
 * <p>An agent restart is modelled by {@link #reopen()}: a new instance that shares the
 * containers of this one (they kept running) and must {@link #recover} them.
 */
public final class FakeRuntime implements ContainerRuntime {

    /** What a started container does; called once, synchronously, inside {@link #start}. */
    @FunctionalInterface
    public interface Behaviour {
        void started(FakeContainer container);
    }

    /** Timer service for grace periods. */
    @FunctionalInterface
    public interface Timers {
        Runnable schedule(Duration delay, Runnable task);

        /** Real time, on one daemon thread. */
        static Timers realTime() {
            ScheduledExecutorService ses = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "fake-runtime-timers");
                t.setDaemon(true);
                return t;
            });
            return (delay, task) -> {
                var f = ses.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
                return () -> f.cancel(false);
            };
        }
    }

    // ------------------------------------------------------------ ready-made behaviours

    public static Behaviour exits(int code, String stdout) {
        return c -> {
            if (!stdout.isEmpty()) {
                c.stdout(stdout);
            }
            c.exit(code);
        };
    }

    public static Behaviour runsUntilSignalled() {
        return c -> { };
    }

    public static Behaviour ignoresSignals(int... signals) {
        return c -> c.ignore(signals);
    }

    public static Behaviour oomKilled() {
        return c -> c.exitOom();
    }

    public static Behaviour failsToStart(String message) {
        return c -> {
            throw new ContainerRuntimeException.StartFailed(c.id(), message, (ContainerExit) null);
        };
    }

    // ------------------------------------------------------------ state

    private static final class Shared {
        final Map<String, FakeContainer> containers = new ConcurrentHashMap<>();
        final AtomicLong pids = new AtomicLong(1000);
        final List<String> starts = new CopyOnWriteArrayList<>();
    }

    private final Shared shared;
    private final Function<StartRequest, Behaviour> script;
    private final Timers timers;
    private final Clock clock;
    private final Set<String> adopted = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    public FakeRuntime(Function<StartRequest, Behaviour> script, Timers timers, Clock clock) {
        this(new Shared(), script, timers, clock);
    }

    public FakeRuntime(Function<StartRequest, Behaviour> script) {
        this(script, Timers.realTime(), Clock.systemUTC());
    }

    private FakeRuntime(Shared shared, Function<StartRequest, Behaviour> script, Timers timers, Clock clock) {
        this.shared = shared;
        this.script = script;
        this.timers = timers;
        this.clock = clock;
    }

    /** A new instance over the same (still running) containers, as after an agent restart. */
    public FakeRuntime reopen() {
        return new FakeRuntime(shared, script, timers, clock);
    }

    /** Ids in start order, one entry per start (restarts included). */
    public List<String> starts() {
        return List.copyOf(shared.starts);
    }

    public FakeContainer container(String id) {
        FakeContainer c = shared.containers.get(id);
        if (c == null) {
            throw new ContainerRuntimeException.NotFound(id);
        }
        return c;
    }

    @Override
    public RuntimeCapabilities capabilities() {
        return new RuntimeCapabilities("fake", "fake 1", true, true, true, "none (fake)");
    }

    @Override
    public ContainerHandle start(StartRequest request) {
        if (closed) {
            throw new IllegalStateException("runtime closed");
        }
        String id = request.id();
        FakeContainer c = new FakeContainer(request, shared.pids.incrementAndGet(), clock.instant());
        if (shared.containers.putIfAbsent(id, c) != null) {
            throw new ContainerRuntimeException.AlreadyExists(id, "in the fake runtime");
        }
        shared.starts.add(id);
        adopted.add(id);
        try {
            script.apply(request).started(c);
        } catch (ContainerRuntimeException.StartFailed e) {
            shared.containers.remove(id);
            adopted.remove(id);
            throw e;
        }
        return c.handle();
    }

    @Override
    public CompletionStage<ContainerExit> await(String id) {
        return mine(id).exit.copy();
    }

    @Override
    public CompletionStage<ContainerExit> stop(String id, int signal, Duration grace) {
        FakeContainer c = mine(id);
        if (!c.exit.isDone()) {
            c.signal(signal);
            if (signal != Signals.SIGKILL && !c.exit.isDone()) {
                Runnable cancel = timers.schedule(grace, () -> c.signal(Signals.SIGKILL));
                c.exit.whenComplete((s, e) -> cancel.run());
            }
        }
        return c.exit.copy();
    }

    @Override
    public void kill(String id, int signal) {
        FakeContainer c = mine(id);
        if (c.exit.isDone()) {
            throw new ContainerRuntimeException.FailedPrecondition(id, "is not running (" + c.exit.join() + ")");
        }
        c.signal(signal);
    }

    @Override
    public ContainerStatus state(String id) {
        FakeContainer c = mine(id);
        ContainerExit exit = c.exit.getNow(null);
        return exit == null ? ContainerStatus.running(id, c.pid, c.startedAt)
                : ContainerStatus.exited(id, c.pid, c.startedAt, exit);
    }

    @Override
    public void destroy(String id, boolean force) {
        FakeContainer c = shared.containers.get(id);
        if (c == null) {
            return;
        }
        if (!c.exit.isDone()) {
            if (!force) {
                throw new ContainerRuntimeException.FailedPrecondition(id, "is running; stop it first or destroy with force");
            }
            c.signal(Signals.SIGKILL);
        }
        shared.containers.remove(id);
        adopted.remove(id);
    }

    @Override
    public ContainerStatus recover(ContainerHandle handle, LogSink logs) {
        FakeContainer c = shared.containers.get(handle.id());
        if (c == null) {
            throw new ContainerRuntimeException.NotFound(handle.id());
        }
        c.logs = logs;
        adopted.add(handle.id());
        return state(handle.id());
    }

    @Override
    public List<String> list() {
        return shared.containers.keySet().stream().sorted().toList();
    }

    @Override
    public void close() {
        closed = true;
    }

    private FakeContainer mine(String id) {
        FakeContainer c = shared.containers.get(id);
        if (c == null || !adopted.contains(id)) {
            throw new ContainerRuntimeException.NotFound(id);
        }
        return c;
    }

    /** One fake container, driven by its behaviour or directly by a test. */
    public final class FakeContainer {
        private final StartRequest request;
        private final long pid;
        private final Instant startedAt;
        private final CompletableFuture<ContainerExit> exit = new CompletableFuture<>();
        private final List<Integer> signals = new CopyOnWriteArrayList<>();
        private final Set<Integer> ignored = ConcurrentHashMap.newKeySet();
        private volatile LogSink logs;

        FakeContainer(StartRequest request, long pid, Instant startedAt) {
            this.request = request;
            this.pid = pid;
            this.startedAt = startedAt;
            this.logs = request.logs();
        }

        public String id() {
            return request.id();
        }

        public StartRequest request() {
            return request;
        }

        /** Signals delivered so far, in order. */
        public List<Integer> signals() {
            return new ArrayList<>(signals);
        }

        public boolean exited() {
            return exit.isDone();
        }

        public void stdout(String text) {
            write(LogStream.STDOUT, text);
        }

        public void stderr(String text) {
            write(LogStream.STDERR, text);
        }

        private void write(LogStream stream, String text) {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            logs.write(stream, b, 0, b.length, clock.instant());
        }

        public void ignore(int... sigs) {
            for (int s : sigs) {
                if (s == Signals.SIGKILL) {
                    throw new IllegalArgumentException("SIGKILL cannot be ignored");
                }
                ignored.add(s);
            }
        }

        public void exit(int code) {
            finish(ContainerExit.fromCode(code, false, clock.instant()));
        }

        public void exitOom() {
            finish(ContainerExit.fromCode(128 + Signals.SIGKILL, true, clock.instant()));
        }

        void signal(int signal) {
            signals.add(signal);
            if (!ignored.contains(signal)) {
                exit(128 + signal);
            }
        }

        private void finish(ContainerExit status) {
            if (!exit.isDone()) {
                logs.streamsClosed();
                exit.complete(status);
            }
        }

        ContainerHandle handle() {
            return new ContainerHandle(id(), "fake", request.bundle().toString(), pid, 0, pid, startedAt);
        }
    }
}
