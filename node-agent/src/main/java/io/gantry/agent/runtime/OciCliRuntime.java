package io.gantry.agent.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.gantry.agent.logs.LineSplitter;
import io.gantry.agent.logs.LogSink;
import io.gantry.agent.logs.LogStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Runs containers through an OCI runtime CLI (runc or crun), each under a small shim.
 *
 * <h2>Why a shim</h2>
 * {@code runc run -d} (or {@code create} + {@code start}) leaves the container's init a child of
 * nobody we control, so its exit status is lost unless someone is its subreaper -- containerd
 * and Podman ship a compiled shim (containerd-shim, conmon) for exactly that. Gantry's shim runs
 * the runtime's <em>foreground</em> {@code run}, which waits for the container and exits with its
 * status (128+N for signal N), and records that status. It lives in its own session (setsid) so
 * that a Ctrl-C or a process-group kill aimed at the agent does not reach the container.
 * Measured here, foreground {@code run} through the shim is faster than
 * {@code create}/{@code start}/poll/{@code delete}, which costs three more runtime execs (the
 * start benchmark prints both).
 *
 * <p>The shim comes in two kinds that behave the same ({@link Shim}): the compiled
 * {@code gantry-shim} (node-agent's {@code src/main/c/gantry-shim.c}, one exec of a ~700 KB
 * static binary, {@link CompiledShim}) and, when the build had no C compiler or the binary
 * cannot run on this host, {@code setsid /bin/sh -c SCRIPT} (two execs and a shell;
 * {@link Shim.Shell#SCRIPT}). {@link Options#shim()} says which.
 *
 * <h2>What the shim does</h2>
 * <ol>
 * <li>holds both stdio fifos open read-write, so the container never sees EPIPE while the agent
 *     is away: its output waits in the pipe (64 KiB, then the writer blocks -- the same
 *     trade-off as Docker's live-restore);</li>
 * <li>says "fifos" on its stdout and waits for the agent's go on its stdin ({@link Shim#goLine}:
 *     the agent starts the shim through {@link #prepare} while it still mounts the rootfs and
 *     writes the bundle, and says go from {@link #start}; EOF ends an unstarted shim);</li>
 * <li>runs {@code runtime run --pid-file init.pid} with stdout/stderr on the fifos; runc gets
 *     {@code --keep} so the container's memory cgroup outlives its init. The compiled shim says
 *     "pid N" once the pid file is there (inotify), so the agent need not poll for it;</li>
 * <li>reads {@code oom_kill} from the cgroup, writes {@code exit} ("rc oomkills"), tells the
 *     agent ("exit rc oomkills") on its stdout pipe (ignored when the agent is gone: SIGPIPE does
 *     not kill it), closes the fifos (the agent's readers see EOF once drained; the exit is known
 *     by then), then deletes the kept container.</li>
 * </ol>
 *
 * <h2>Recovery</h2>
 * If the agent dies the shims, runtimes and containers keep running. A new instance gets each
 * {@link ContainerHandle} back through {@link #recover}: if {@code exit} exists the status is
 * known; if the shim (pid + start time) still runs, the agent reopens the fifos -- logs flow
 * again, buffered output included -- and watches the shim by polling {@code /proc} (it is not
 * our child, so no waitpid); if the shim vanished without a record the container is fenced with
 * SIGKILL and reported with an unknown status.
 *
 * <p>Compared with containerd's shim: no ttrpc API, no exec of extra processes into a running
 * container, and output buffered in the kernel rather than in the shim while the agent is down.
 *
 * <h2>Files</h2>
 * {@code <root>/state} is the runtime's {@code --root} (Gantry's containers are invisible to
 * a system-wide {@code runc list}); {@code <root>/shims/<id>/} holds {@code stdout.fifo},
 * {@code stderr.fifo}, {@code init.pid}, {@code exit}, {@code runtime.log} (the runtime's own
 * JSON log), {@code shim.err} and {@code shim.json} (the handle, for orphan sweeps).
 */
public final class OciCliRuntime implements ContainerRuntime {

    private static final Logger LOG = LoggerFactory.getLogger(OciCliRuntime.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /**
     * Tunables; {@code rootDir} is e.g. {@code <data>/runtime/<runtime name>}, {@code shim} how
     * each container's shim is started.
     */
    public record Options(Path rootDir, Duration startTimeout, Duration commandTimeout, Clock clock, Shim shim) {
        public Options {
            rootDir = rootDir.toAbsolutePath().normalize();
            java.util.Objects.requireNonNull(shim, "shim");
        }

        /** {@code <dataDir>/runtime/<runtime name>}: Gantry's containers live apart from anyone else's. */
        public static Options underDataDir(Path dataDir, OciRuntimeBinary binary, Shim shim) {
            return defaults(dataDir.resolve("runtime").resolve(binary.name()), shim);
        }

        /**
         * Defaults with the compiled shim when this build has one that runs here (installed under
         * {@code rootDir/bin}), else the shell shim.
         */
        public static Options defaults(Path rootDir) {
            return defaults(rootDir, Shim.select("auto", rootDir.resolve("bin")));
        }

        public static Options defaults(Path rootDir, Shim shim) {
            return new Options(rootDir, Duration.ofSeconds(60), Duration.ofSeconds(30), Clock.systemUTC(), shim);
        }
    }

    private final OciRuntimeBinary binary;
    private final Options options;
    private final Path stateRoot;
    private final Path shimsDir;
    private final CgroupLayout cgroups;
    private final String version;
    private final ScheduledExecutorService timers;
    private final ExecutorService pumps;
    /** Shims {@link #prepare} is starting or has started, until {@link #start} or {@link #destroy} takes them. */
    private final ConcurrentHashMap<String, CompletableFuture<Shimmed>> preparing = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Shimmed> containers = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public OciCliRuntime(OciRuntimeBinary binary, Options options) {
        this(binary, options, CgroupLayout.detect());
    }

    public OciCliRuntime(OciRuntimeBinary binary, Options options, CgroupLayout cgroups) {
        this.binary = binary;
        this.options = options;
        this.stateRoot = options.rootDir().resolve("state");
        this.shimsDir = options.rootDir().resolve("shims");
        this.cgroups = cgroups;
        try {
            Files.createDirectories(stateRoot);
            Files.createDirectories(shimsDir);
        } catch (IOException e) {
            throw new UncheckedIOException("create runtime directories under " + options.rootDir(), e);
        }
        RuntimeNative.preload();
        this.version = firstLine(runCli(null, List.of("--version"), false).stdout());
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gantry-runtime-timers");
            t.setDaemon(true);
            return t;
        });
        // Per running container two pumps and the shim's report reader, each blocked in read(2) for
        // the container's lifetime, and briefly the shim's launch; pooled so that a start reuses the
        // threads of containers that ended (idle ones go after 60 s).
        AtomicInteger pumpCount = new AtomicInteger();
        this.pumps = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                r -> thread("gantry-log-pump-" + pumpCount.incrementAndGet(), r));
    }

    public OciRuntimeBinary binary() {
        return binary;
    }

    @Override
    public RuntimeCapabilities capabilities() {
        boolean oom = binary.keepsAfterExit() && cgroups.oomCounterFile("/probe").isPresent();
        return new RuntimeCapabilities(binary.name(), version, oom, true, true, options.shim().describe());
    }

    // ---------------------------------------------------------------- start

    /**
     * Starts the container's shim on a pool thread while the caller still mounts the rootfs
     * and writes the bundle: shim directory, fifos, the shim's own process, which holds the fifos
     * and waits for its go. {@link #start} with the same request says go (or, on failure, the
     * error comes from there); {@link #destroy} sends it away unstarted.
     */
    @Override
    public void prepare(StartRequest request) {
        ensureOpen();
        String id = request.id();
        CompletableFuture<Shimmed> shim = new CompletableFuture<>();
        if (preparing.putIfAbsent(id, shim) != null) {
            throw new ContainerRuntimeException.AlreadyExists(id, "its start is being prepared already");
        }
        runNamed(pumps, "gantry-shim-" + id + "-launch", () -> {
            try {
                shim.complete(launchShim(id, request.bundle().toAbsolutePath().normalize(), request.logs()));
            } catch (RuntimeException e) {
                shim.completeExceptionally(e);
            }
        });
    }

    @Override
    public ContainerHandle start(StartRequest request) {
        ensureOpen();
        String id = request.id();
        Path bundle = request.bundle().toAbsolutePath().normalize();
        Shimmed c = prepared(id);
        if (c != null && !c.bundle.equals(bundle)) {
            destroy(id, true);
            throw new ContainerRuntimeException.StartFailed(id, "prepared for bundle " + c.bundle + ", started with " + bundle,
                    (ContainerExit) null);
        }
        if (!Files.isRegularFile(bundle.resolve("config.json"))) {
            if (c != null) {
                destroy(id, true);
            }
            throw new ContainerRuntimeException.StartFailed(id, "no config.json in bundle " + bundle, (ContainerExit) null);
        }
        if (c == null) {
            c = launchShim(id, bundle, request.logs());
        }
        String oomFile = cgroups.oomCounterFile(cgroupsPathOf(bundle)).map(Path::toString).orElse("");
        if (!c.go(Shim.goLine(oomFile))) {
            throw startFailure(c, null);
        }

        // Started = the runtime wrote the pid file (it does so once the container's process
        // exists); failed = the shim finished first without one. The compiled shim says when the
        // file is there ("pid N"), so the file is only looked for now and then; the sh shim does
        // not, so it is polled closely (and a poll costs the runtime some CPU meanwhile).
        Path pidFile = c.dir.resolve("init.pid");
        long deadline = System.nanoTime() + options.startTimeout().toNanos();
        long poll = options.shim().reportsPid() ? TimeUnit.MILLISECONDS.toNanos(10) : TimeUnit.MICROSECONDS.toNanos(200);
        while (!Files.exists(pidFile)) {
            if (c.exit.isDone() || !c.process.isAlive()) {
                if (Files.exists(pidFile)) {
                    break;
                }
                throw startFailure(c, null);
            }
            if (System.nanoTime() > deadline) {
                throw startFailure(c, "did not start within " + options.startTimeout());
            }
            if (c.pidReported.isDone()) {
                LockSupport.parkNanos(200_000); // the reports ended: the shim is going
            } else {
                awaitQuietly(c.pidReported, Duration.ofNanos(poll));
            }
        }
        c.initPid = readPid(pidFile);
        c.startedAt = options.clock().instant();
        ContainerHandle handle = new ContainerHandle(id, binary.name(), bundle.toString(),
                c.shim.pid(), c.shim.startTicks(), c.initPid, c.startedAt);
        c.handle = handle;
        writeHandle(c.dir, handle);
        return handle;
    }

    /** The shim {@link #prepare} started for {@code id}, or null; its failure is thrown. */
    private Shimmed prepared(String id) {
        CompletableFuture<Shimmed> f = preparing.remove(id);
        if (f == null) {
            return null;
        }
        try {
            return f.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /** The shim directory, its fifos and the shim waiting for its go; registered and pumped. */
    private Shimmed launchShim(String id, Path bundle, LogSink logs) {
        if (containers.containsKey(id)) {
            throw new ContainerRuntimeException.AlreadyExists(id, "running under this agent");
        }
        if (Files.exists(stateRoot.resolve(id))) {
            throw new ContainerRuntimeException.AlreadyExists(id, "the runtime has state for it in " + stateRoot);
        }
        Path dir = shimsDir.resolve(id);
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            throw new ContainerRuntimeException.AlreadyExists(id, "shim directory " + dir + " is left over; destroy it first");
        } catch (IOException e) {
            throw new ContainerRuntimeException.StartFailed(id, "create " + dir + ": " + e.getMessage(), e);
        }

        Shimmed c;
        FifoEnds fifos = null;
        try {
            RuntimeNative.mkfifo(dir.resolve("stdout.fifo"), 0600);
            RuntimeNative.mkfifo(dir.resolve("stderr.fifo"), 0600);
            fifos = FifoEnds.open(dir);
            List<String> cmd = options.shim().command(dir, bundle, id, binary.keepsAfterExit(), baseCommand(dir));
            Process process = new ProcessBuilder(cmd)
                    .directory(dir.toFile())
                    .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("shim.err").toFile()))
                    .start();
            ProcessIdentity shim = ProcessIdentity.of(process.pid());
            c = new Shimmed(id, bundle, dir, process, shim == null ? new ProcessIdentity(process.pid(), -1) : shim, logs);
            c.attach(fifos);
        } catch (IOException e) {
            if (fifos != null) {
                fifos.closeAll();
            }
            deleteTree(dir);
            throw new ContainerRuntimeException.StartFailed(id, "launch shim: " + e.getMessage(), e);
        }
        containers.put(id, c);
        c.startPumps();
        return c;
    }

    private ContainerRuntimeException startFailure(Shimmed c, String timeout) {
        ContainerExit exit = null;
        if (timeout != null) {
            try {
                sendSignal(c, Signals.SIGKILL);
            } catch (RuntimeException ignored) {
                // the runtime may not have created it at all
            }
        }
        try {
            exit = c.exit.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // fall through with what the logs say
        }
        String why = timeout != null ? timeout : runtimeError(c.dir).orElse(
                exit == null ? "the runtime did not report" : "the runtime exited with " + exit.code());
        try {
            destroy(c.id, true);
        } catch (RuntimeException e) {
            LOG.warn("cleanup after failed start of {}: {}", c.id, e.getMessage());
        }
        return new ContainerRuntimeException.StartFailed(c.id, binary.name() + ": " + why, exit);
    }

    // ---------------------------------------------------------------- wait / signals

    @Override
    public CompletionStage<ContainerExit> await(String id) {
        return require(id).exit.copy();
    }

    @Override
    public CompletionStage<ContainerExit> stop(String id, int signal, Duration grace) {
        Shimmed c = require(id);
        if (c.exit.isDone()) {
            return c.exit.copy();
        }
        signalTolerant(c, signal);
        if (signal != Signals.SIGKILL) {
            ScheduledFuture<?> escalation = timers.schedule(() -> {
                if (!c.exit.isDone()) {
                    LOG.info("container {} still running {} after {}; sending SIGKILL", c.id, grace, Signals.name(signal));
                    signalTolerant(c, Signals.SIGKILL);
                }
            }, Math.max(0, grace.toMillis()), TimeUnit.MILLISECONDS);
            c.exit.whenComplete((s, e) -> escalation.cancel(false));
        }
        return c.exit.copy();
    }

    @Override
    public void kill(String id, int signal) {
        Shimmed c = require(id);
        if (c.exit.isDone()) {
            throw new ContainerRuntimeException.FailedPrecondition(id, "is not running (" + c.exit.join() + ")");
        }
        signalTolerant(c, signal);
    }

    /** A signal that races with the container's exit is not an error. */
    private void signalTolerant(Shimmed c, int signal) {
        try {
            sendSignal(c, signal);
        } catch (ContainerRuntimeException.CommandFailed e) {
            try {
                c.exit.get(2, TimeUnit.SECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw e;
            } catch (ExecutionException | TimeoutException te) {
                throw e;
            }
        }
    }

    private void sendSignal(Shimmed c, int signal) {
        runCli(c.id, List.of("kill", c.id, Integer.toString(signal)), true);
    }

    // ---------------------------------------------------------------- state

    @Override
    public ContainerStatus state(String id) {
        Shimmed c = require(id);
        ContainerExit exit = c.exit.getNow(null);
        Instant started = c.startedAt == null ? Instant.EPOCH : c.startedAt;
        if (exit != null) {
            return ContainerStatus.exited(id, c.initPid, started, exit);
        }
        if (c.startedAt == null) {
            return new ContainerStatus(id, ContainerState.STARTING, 0, started, Optional.empty());
        }
        return ContainerStatus.running(id, c.initPid, started);
    }

    /** The runtime's own view ({@code runtime state ID}): status and pid, for diagnostics and recovery. */
    public Optional<RuntimeView> runtimeState(String id) {
        CliResult r = runCli(id, List.of("state", id), false);
        if (r.code() != 0) {
            return Optional.empty();
        }
        try {
            JsonNode n = JSON.readTree(r.stdout());
            return Optional.of(new RuntimeView(n.path("status").asText(), n.path("pid").asLong()));
        } catch (IOException e) {
            throw new ContainerRuntimeException.CommandFailed(id, binary.name() + " state " + id, e);
        }
    }

    /** What {@code runc state} says: created, running, paused or stopped, and the init's host pid. */
    public record RuntimeView(String status, long pid) {
    }

    @Override
    public List<String> list() {
        try (Stream<Path> s = Files.list(shimsDir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("list " + shimsDir, e);
        }
    }

    // ---------------------------------------------------------------- destroy

    @Override
    public void destroy(String id, boolean force) {
        ContainerIds.validate(id);
        CompletableFuture<Shimmed> pending = preparing.remove(id);
        if (pending != null) {
            try {
                pending.join();
            } catch (java.util.concurrent.CompletionException e) {
                LOG.debug("destroy of {}: its shim had not started: {}", id, e.getCause() != null ? e.getCause().getMessage() : e);
            }
        }
        Shimmed c = containers.get(id);
        Path dir = shimsDir.resolve(id);
        if (c == null && !Files.exists(dir) && !Files.exists(stateRoot.resolve(id))) {
            return;
        }
        if (c == null) {
            // never adopted by this instance (an orphan): fence it through its records
            ContainerHandle h = readHandle(dir).orElse(null);
            if (h != null) {
                c = adopt(h, LogSink.discarding(), false);
            }
        }
        if (c != null && c.abortUnstarted()) {
            awaitQuietly(c.exit, Duration.ofSeconds(30)); // the shim ends with 125, nothing run
        } else if (c != null && !c.exit.isDone()) {
            if (!force) {
                throw new ContainerRuntimeException.FailedPrecondition(id, "is running; stop it first or destroy with force");
            }
            try {
                sendSignal(c, Signals.SIGKILL);
            } catch (ContainerRuntimeException e) {
                LOG.debug("kill before destroy of {}: {}", id, e.getMessage());
            }
            awaitQuietly(c.exit, Duration.ofSeconds(30));
        }
        if (c != null) {
            c.awaitShimGone(Duration.ofSeconds(30)); // the shim deletes the kept container itself
            c.detach();
        }
        if (Files.exists(stateRoot.resolve(id))) {
            CliResult r = runCli(id, List.of("delete", "--force", id), false);
            if (r.code() != 0 && Files.exists(stateRoot.resolve(id))) {
                throw new ContainerRuntimeException.CommandFailed(id, binary.name() + " delete --force " + id, r.code(), r.stderr());
            }
        }
        String bundle = c != null ? c.bundle.toString() : readHandle(dir).map(ContainerHandle::bundle).orElse(null);
        if (bundle != null) {
            // a runtime that failed half way may leave empty cgroup directories behind
            for (Path cg : cgroups.directoriesOf(cgroupsPathOf(Path.of(bundle)))) {
                try {
                    Files.deleteIfExists(cg);
                } catch (IOException ignored) {
                    // not empty (something still runs there) or not ours; leave it
                }
            }
        }
        deleteTree(dir);
        containers.remove(id);
    }

    // ---------------------------------------------------------------- recovery

    @Override
    public ContainerStatus recover(ContainerHandle handle, LogSink logs) {
        ensureOpen();
        String id = ContainerIds.validate(handle.id());
        Shimmed existing = containers.get(id);
        if (existing != null) {
            return state(id);
        }
        if (!Files.isDirectory(shimsDir.resolve(id))) {
            throw new ContainerRuntimeException.NotFound(id);
        }
        adopt(handle, logs, true);
        return state(id);
    }

    private Shimmed adopt(ContainerHandle handle, LogSink logs, boolean attachLogs) {
        String id = handle.id();
        Path dir = shimsDir.resolve(id);
        Shimmed c = new Shimmed(id, Path.of(handle.bundle()), dir, null,
                new ProcessIdentity(handle.shimPid(), handle.shimStartTicks()), logs);
        c.handle = handle;
        c.initPid = handle.initPid();
        c.startedAt = handle.startedAt();
        Shimmed raced = containers.putIfAbsent(id, c);
        if (raced != null) {
            return raced;
        }
        Optional<ContainerExit> recorded = readExitFile(dir);
        if (recorded.isPresent()) {
            c.exit.complete(recorded.get().withDetail("exited while the agent was away; output after the agent stopped may be lost"));
        } else if (c.shim.alive()) {
            if (attachLogs) {
                try {
                    FifoEnds fifos = FifoEnds.open(dir);
                    fifos.releaseKeepalive(); // the shim holds its own write ends, if it still runs
                    c.attach(fifos);
                } catch (IOException e) {
                    throw new ContainerRuntimeException(id, "reopen the output fifos of " + id + ": " + e.getMessage(), e);
                }
                c.startPumps();
            } else {
                c.startWatcherOnly();
            }
        } else {
            // The shim is gone and left no record (killed, or the host rebooted). A runtime still
            // running the container would be unsupervised: fence it.
            Optional<ContainerExit> late = readExitFile(dir);
            if (late.isPresent()) {
                c.exit.complete(late.get());
            } else {
                Optional<RuntimeView> view = runtimeState(id);
                if (view.isPresent() && !view.get().status().equals("stopped")) {
                    try {
                        sendSignal(c, Signals.SIGKILL);
                    } catch (ContainerRuntimeException e) {
                        LOG.warn("fencing unsupervised container {}: {}", id, e.getMessage());
                    }
                }
                c.exit.complete(ContainerExit.unknown("shim pid " + handle.shimPid() + " vanished without recording the exit status",
                        options.clock().instant()));
            }
        }
        return c;
    }

    @Override
    public void close() {
        closed = true;
        for (Shimmed c : containers.values()) {
            c.abortUnstarted(); // a shim still waiting for its go ends; running ones stay
            c.detach();
        }
        containers.clear();
        timers.shutdownNow();
        // pumps stays usable: destroy() of a leftover after close still watches its shim; its
        // threads are daemons and go when idle
    }

    // ---------------------------------------------------------------- one container

    /** The agent's side of one shimmed container: its fifo pumps and its exit. */
    private final class Shimmed {
        final String id;
        final Path bundle;
        final Path dir;
        final Process process; // null when adopted from an earlier agent
        final ProcessIdentity shim;
        final LogSink logs;
        final CompletableFuture<ContainerExit> exit = new CompletableFuture<>();
        final Pump stdout;
        final Pump stderr;
        volatile long initPid;
        volatile Instant startedAt;
        volatile ContainerHandle handle;
        volatile boolean detached;
        /** Started by this agent and not yet told to run the container. */
        private volatile boolean awaitingGo;
        private FifoEnds fifos;
        private BufferedReader shimReport;
        /** Completed on the shim's "pid N" line, or when its reports end. */
        final CompletableFuture<Void> pidReported = new CompletableFuture<>();
        /** The shim's exit report ("RC OOMKILLS"); null when it ended without one. */
        private final CompletableFuture<String> exitReport = new CompletableFuture<>();

        Shimmed(String id, Path bundle, Path dir, Process process, ProcessIdentity shim, LogSink logs) {
            this.id = id;
            this.bundle = bundle;
            this.dir = dir;
            this.process = process;
            this.shim = shim;
            this.logs = logs;
            this.stdout = new Pump(LogStream.STDOUT, dir.resolve("stdout.fifo"));
            this.stderr = new Pump(LogStream.STDERR, dir.resolve("stderr.fifo"));
            this.awaitingGo = process != null;
        }

        /** Tells the shim to run the container ({@link Shim#goLine}); false when the shim is gone. */
        boolean go(String line) {
            awaitingGo = false;
            try (java.io.OutputStream in = process.getOutputStream()) {
                in.write(line.getBytes(StandardCharsets.US_ASCII));
                return true;
            } catch (IOException e) {
                LOG.debug("go to the shim of {}: {}", id, e.toString());
                return false;
            }
        }

        /** Sends away a shim that was never told to go (it ends with 125); false when it was told. */
        boolean abortUnstarted() {
            if (!awaitingGo) {
                return false;
            }
            awaitingGo = false;
            try {
                process.getOutputStream().close();
            } catch (IOException e) {
                LOG.debug("closing the stdin of the shim of {}: {}", id, e.toString());
            }
            return true;
        }

        void attach(FifoEnds ends) {
            this.fifos = ends;
            stdout.channel = ends.stdout;
            stderr.channel = ends.stderr;
            if (process != null) {
                shimReport = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
            }
        }

        void startPumps() {
            if (process != null) {
                runNamed(pumps, "gantry-shim-" + id + "-reports", this::readReports);
            } else {
                fifos.releaseKeepalive(); // an adopted shim holds its fifos already
            }
            stderr.start(pumps, "gantry-log-" + id + "-stderr", () -> stderr.run(this));
            stdout.start(pumps, "gantry-log-" + id + "-stdout", () -> {
                stdout.run(this);
                finish();
            });
        }

        /**
         * The shim's report lines, as they come: "fifos" (it holds them: the agent's own
         * read-write fds go, so that EOF means "the shim let go"), "pid N" (the runtime wrote
         * the pid file; the compiled shim only), "exit RC OOMKILLS". Its end (the shim gone)
         * also lets the fifos go.
         */
        private void readReports() {
            try (BufferedReader r = shimReport) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    if (line.equals("fifos")) {
                        fifos.releaseKeepalive();
                    } else if (line.startsWith("pid ")) {
                        pidReported.complete(null);
                    } else if (line.startsWith("exit ")) {
                        exitReport.complete(line.substring(5));
                    } else {
                        LOG.warn("shim of {} said '{}'", id, line);
                    }
                }
            } catch (IOException e) {
                LOG.debug("reading shim report of {}: {}", id, e.toString());
            } finally {
                fifos.releaseKeepalive();
                pidReported.complete(null);
                exitReport.complete(null);
            }
        }

        /** For an orphan being destroyed: no logs wanted, only the exit. */
        void startWatcherOnly() {
            stdout.start(pumps, "gantry-watch-" + id, this::finish);
        }

        /** After stdout's EOF: learn the exit, wait for stderr to drain, then complete. */
        private void finish() {
            if (detached) {
                return;
            }
            ContainerExit status = awaitExitRecord();
            if (status == null || detached) {
                return;
            }
            stderr.awaitEnd(Duration.ofSeconds(5));
            try {
                logs.streamsClosed();
            } catch (RuntimeException e) {
                LOG.warn("closing log sink of {}: {}", id, e.toString());
            }
            exit.complete(status);
        }

        private ContainerExit awaitExitRecord() {
            if (process != null) {
                String line = exitReport.join();
                if (line != null) {
                    Optional<ContainerExit> s = parseExitRecord(line, options.clock().instant());
                    if (s.isPresent()) {
                        return s.get();
                    }
                }
                try {
                    int rc = process.waitFor();
                    return readExitFile(dir).orElseGet(() -> ContainerExit.unknown(
                            "shim exited with " + rc + " without recording the container's exit; see " + dir.resolve("shim.err"),
                            options.clock().instant()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
            while (!detached) {
                Optional<ContainerExit> s = readExitFile(dir);
                if (s.isPresent()) {
                    return s.get();
                }
                if (!shim.alive()) {
                    return readExitFile(dir).orElseGet(() -> ContainerExit.unknown(
                            "shim pid " + shim.pid() + " ended without recording the container's exit", options.clock().instant()));
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
            return null;
        }

        void awaitShimGone(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            if (process != null) {
                try {
                    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                        LOG.warn("shim of {} (pid {}) still running after {}", id, process.pid(), timeout);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            while (shim.alive() && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
        }

        /** Lets go without stopping anything: pumps close, the shim keeps the fifos alive. */
        void detach() {
            detached = true;
            if (fifos != null) {
                fifos.closeAll();
            }
        }
    }

    /** Copies one fifo into the log sink, line by line. */
    private static final class Pump {
        final LogStream stream;
        final Path fifo;
        private final CountDownLatch done = new CountDownLatch(1);
        private volatile boolean started;
        volatile FileChannel channel;
        volatile boolean ended;

        Pump(LogStream stream, Path fifo) {
            this.stream = stream;
            this.fifo = fifo;
        }

        void run(Shimmed c) {
            FileChannel ch = channel;
            try (ch) {
                if (c.detached) {
                    return;
                }
                LineSplitter lines = new LineSplitter(stream, c.logs);
                ByteBuffer buf = ByteBuffer.allocate(32 * 1024);
                boolean sinkBroken = false;
                while (ch.read(buf) >= 0) {
                    if (!sinkBroken) {
                        try {
                            lines.feed(buf.array(), 0, buf.position());
                        } catch (RuntimeException e) {
                            // keep draining: a container must not block because its log can't be written
                            sinkBroken = true;
                            LOG.error("log sink of {} failed; dropping its {} from now on: {}", c.id, stream.wireName(), e.toString());
                        }
                    }
                    buf.clear();
                }
                if (!sinkBroken) {
                    lines.finish();
                }
            } catch (ClosedChannelException e) {
                // detached
            } catch (IOException e) {
                if (!c.detached) {
                    LOG.warn("reading {} of {}: {}", stream.wireName(), c.id, e.toString());
                }
            } finally {
                ended = true;
            }
        }

        void start(ExecutorService pool, String name, Runnable task) {
            started = true;
            runNamed(pool, name, () -> {
                try {
                    task.run();
                } finally {
                    done.countDown();
                }
            });
        }

        void awaitEnd(Duration timeout) {
            if (!started) {
                return;
            }
            try {
                done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The agent's ends of a container's two fifos: the read channels the pumps use and, until
     * released, a read-write fd on each. Opening a fifo read-only blocks until some writer
     * exists, and reading one whose writers have all gone returns EOF; holding a read-write fd
     * first makes the read-only open return at once and keeps EOF away until the shim holds
     * its own write ends -- so no order of events between agent and shim can hang a pump.
     */
    static final class FifoEnds {
        final FileChannel stdout;
        final FileChannel stderr;
        private final List<RandomAccessFile> keepalive;

        private FifoEnds(FileChannel stdout, FileChannel stderr, List<RandomAccessFile> keepalive) {
            this.stdout = stdout;
            this.stderr = stderr;
            this.keepalive = keepalive;
        }

        static FifoEnds open(Path dir) throws IOException {
            List<RandomAccessFile> keep = new ArrayList<>();
            List<FileChannel> readers = new ArrayList<>();
            try {
                for (String name : List.of("stdout.fifo", "stderr.fifo")) {
                    keep.add(new RandomAccessFile(dir.resolve(name).toFile(), "rw"));
                    readers.add(FileChannel.open(dir.resolve(name), StandardOpenOption.READ));
                }
            } catch (IOException e) {
                for (RandomAccessFile k : keep) {
                    k.close();
                }
                for (FileChannel r : readers) {
                    r.close();
                }
                throw e;
            }
            return new FifoEnds(readers.get(0), readers.get(1), keep);
        }

        synchronized void releaseKeepalive() {
            for (RandomAccessFile k : keepalive) {
                try {
                    k.close();
                } catch (IOException ignored) {
                    // closing is best effort
                }
            }
            keepalive.clear();
        }

        void closeAll() {
            releaseKeepalive();
            for (FileChannel ch : List.of(stdout, stderr)) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing is best effort
                }
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private Shimmed require(String id) {
        Shimmed c = containers.get(id);
        if (c == null) {
            throw new ContainerRuntimeException.NotFound(id);
        }
        return c;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("runtime closed");
        }
    }

    /** Runs {@code task} on a pool thread, named {@code name} meanwhile (for thread dumps). */
    private static void runNamed(ExecutorService pool, String name, Runnable task) {
        pool.execute(() -> {
            Thread t = Thread.currentThread();
            String poolName = t.getName();
            t.setName(name);
            try {
                task.run();
            } finally {
                t.setName(poolName);
            }
        });
    }

    private static Thread thread(String name, Runnable r) {
        Thread t = new Thread(null, r, name, 256 * 1024);
        t.setDaemon(true);
        return t;
    }

    private List<String> baseCommand(Path shimDir) {
        List<String> cmd = new ArrayList<>(binary.command());
        cmd.addAll(List.of("--root", stateRoot.toString(), "--log", shimDir.resolve("runtime.log").toString(), "--log-format", "json"));
        return cmd;
    }

    record CliResult(int code, String stdout, String stderr) {
    }

    private CliResult runCli(String id, List<String> args, boolean failOnError) {
        List<String> cmd = new ArrayList<>(binary.command());
        if (!args.equals(List.of("--version"))) {
            cmd.addAll(List.of("--root", stateRoot.toString()));
        }
        cmd.addAll(args);
        String what = binary.name() + " " + String.join(" ", args);
        try {
            Process p = new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
                try {
                    return p.getErrorStream().readAllBytes();
                } catch (IOException e) {
                    return new byte[0];
                }
            }, r -> thread("gantry-cli-stderr", r).start());
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(options.commandTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new ContainerRuntimeException.CommandFailed(id, what, new TimeoutException("no answer within " + options.commandTimeout()));
            }
            CliResult r = new CliResult(p.exitValue(), new String(out, StandardCharsets.UTF_8),
                    new String(err.get(5, TimeUnit.SECONDS), StandardCharsets.UTF_8));
            if (failOnError && r.code() != 0) {
                throw new ContainerRuntimeException.CommandFailed(id, what, r.code(), r.stderr());
            }
            return r;
        } catch (IOException | ExecutionException | TimeoutException e) {
            throw new ContainerRuntimeException.CommandFailed(id, what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerRuntimeException.CommandFailed(id, what, e);
        }
    }

    /** "rc oomkills" as the shim writes it. */
    static Optional<ContainerExit> parseExitRecord(String text, Instant at) {
        String[] f = text.trim().split("\\s+");
        if (f.length < 1 || f[0].isEmpty()) {
            return Optional.empty();
        }
        try {
            int rc = Integer.parseInt(f[0]);
            long oom = f.length > 1 ? Long.parseLong(f[1]) : 0;
            return Optional.of(ContainerExit.fromCode(rc, oom > 0, at));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The shim's {@code exit} file, once complete (it ends with a newline). */
    private Optional<ContainerExit> readExitFile(Path dir) {
        Path f = dir.resolve("exit");
        try {
            String s = Files.readString(f, StandardCharsets.US_ASCII);
            if (!s.endsWith("\n")) {
                return Optional.empty();
            }
            Instant at = Files.getLastModifiedTime(f).toInstant();
            return parseExitRecord(s, at);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("read " + f, e);
        }
    }

    /** The last error the runtime logged ({@code --log-format json}), else the shim's stderr. */
    private static Optional<String> runtimeError(Path dir) {
        String last = null;
        try {
            for (String line : Files.readAllLines(dir.resolve("runtime.log"))) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    JsonNode n = JSON.readTree(line);
                    if ("error".equals(n.path("level").asText()) || "fatal".equals(n.path("level").asText())) {
                        last = n.path("msg").asText(line);
                    }
                } catch (IOException e) {
                    last = line;
                }
            }
        } catch (IOException ignored) {
            // no runtime log
        }
        if (last == null) {
            try {
                String err = Files.readString(dir.resolve("shim.err")).strip();
                if (!err.isEmpty()) {
                    last = err;
                }
            } catch (IOException ignored) {
                // nothing
            }
        }
        return Optional.ofNullable(last);
    }

    private static String cgroupsPathOf(Path bundle) {
        try {
            JsonNode n = JSON.readTree(bundle.resolve("config.json").toFile());
            JsonNode p = n.path("linux").path("cgroupsPath");
            return p.isTextual() ? p.asText() : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static long readPid(Path pidFile) {
        try {
            return Long.parseLong(Files.readString(pidFile).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    private static void writeHandle(Path dir, ContainerHandle handle) {
        Path tmp = dir.resolve("shim.json.tmp");
        try {
            Files.write(tmp, JSON.writeValueAsBytes(handle));
            Files.move(tmp, dir.resolve("shim.json"), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("write " + dir.resolve("shim.json"), e);
        }
    }

    private static Optional<ContainerHandle> readHandle(Path dir) {
        Path f = dir.resolve("shim.json");
        try {
            return Optional.of(JSON.readValue(f.toFile(), ContainerHandle.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static void awaitQuietly(CompletableFuture<?> f, Duration timeout) {
        try {
            f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException ignored) {
            // the caller goes on with cleanup regardless
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("delete " + dir, e);
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).trim();
    }
}
