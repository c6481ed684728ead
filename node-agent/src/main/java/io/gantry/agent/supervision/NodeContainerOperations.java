package io.gantry.agent.supervision;

import io.gantry.agent.bundle.BundleWriter;
import io.gantry.agent.container.ContainerPaths;
import io.gantry.agent.container.ResolvedImage;
import io.gantry.agent.container.RootfsProvider;
import io.gantry.agent.container.MountPoints;
import io.gantry.agent.logs.JsonFileLogWriter;
import io.gantry.agent.logs.LogRotation;
import io.gantry.agent.logs.LogSink;
import io.gantry.agent.posix.FileTrees;
import io.gantry.agent.runtime.ContainerExit;
import io.gantry.agent.runtime.ContainerRuntime;
import io.gantry.agent.runtime.ContainerRuntimeException;
import io.gantry.agent.runtime.ContainerStatus;
import io.gantry.agent.runtime.StartRequest;
import io.gantry.protocol.oci.Digest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link ContainerOperations} on a real node: the {@link RootfsProvider} for images and
 * writable layers, the {@link BundleWriter}, a {@link ContainerRuntime}, json-file logs and the
 * {@link ContainerRecords}. The runtime container id is the container id, for every run: the
 * previous run's runtime state is destroyed before the next one starts.
 */
public final class NodeContainerOperations implements ContainerOperations {

    private static final Logger LOG = LoggerFactory.getLogger(NodeContainerOperations.class);

    private final ContainerPaths paths;
    private final RootfsProvider rootfs;
    private final BundleWriter bundles;
    private final ContainerRuntime runtime;
    private final ContainerRecords records;
    private final LogRotation rotation;
    private final ConcurrentHashMap<String, JsonFileLogWriter> logs = new ConcurrentHashMap<>();

    public NodeContainerOperations(ContainerPaths paths, RootfsProvider rootfs, BundleWriter bundles,
                                   ContainerRuntime runtime, ContainerRecords records, LogRotation rotation) {
        this.paths = paths;
        this.rootfs = rootfs;
        this.bundles = bundles;
        this.runtime = runtime;
        this.records = records;
        this.rotation = rotation;
    }

    public ContainerRuntime runtime() {
        return runtime;
    }

    @Override
    public ResolvedImage resolveImage(String reference, Optional<Digest> manifest) throws IOException {
        return rootfs.resolve(reference, manifest);
    }

    @Override
    public Optional<ResolvedImage> cachedImage(String reference, Optional<Digest> manifest) {
        return rootfs.resolveCached(reference, manifest);
    }

    /**
     * The runtime gets a head start (its shim starts on another thread) while the rootfs is
     * mounted and the bundle written; a failure of either sends the head start away.
     */
    @Override
    public Started launch(ContainerLifecycle.Identity c, int run, ResolvedImage image) throws IOException {
        String id = c.id();
        runtime.destroy(id, false); // what the previous run left in the runtime (exit record, fifos)
        StartRequest request = new StartRequest(id, paths.bundle(id), logSink(id));
        runtime.prepare(request);
        BundleWriter.WrittenBundle b;
        try {
            Path root = rootfs.mount(id, image, paths.rootfs(id));
            b = bundles.write(id, image.config(), c.spec(), root, paths.bundle(id), null);
        } catch (IOException | RuntimeException e) {
            try {
                runtime.destroy(id, true);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        var handle = runtime.start(request);
        return new Started(handle, b.stopSignal(), b.spec().process().args());
    }

    @Override
    public CompletionStage<ContainerExit> watch(String id) {
        return runtime.await(id);
    }

    @Override
    public CompletionStage<ContainerExit> stop(String id, int signal, Duration grace) {
        return runtime.stop(id, signal, grace);
    }

    @Override
    public Optional<ContainerStatus> recover(ContainerRecord record) {
        if (record.handle().isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(runtime.recover(record.handle().get(), logSink(record.id())));
        } catch (ContainerRuntimeException.NotFound e) {
            return Optional.empty();
        }
    }

    @Override
    public void persist(ContainerRecord record) {
        records.write(record);
    }

    @Override
    public void teardown(String id) throws IOException {
        runtime.destroy(id, true);
        rootfs.remove(id, paths.rootfs(id));
        JsonFileLogWriter w = logs.remove(id);
        if (w != null) {
            w.close();
        }
        Path dir = paths.dir(id);
        if (Files.isDirectory(paths.rootfs(id)) && MountPoints.isMountPoint(paths.rootfs(id))) {
            // never delete through a mount into the writable layer
            throw new IOException("rootfs of container " + id + " is still mounted at " + paths.rootfs(id));
        }
        if (Files.exists(dir)) {
            FileTrees.deleteTree(dir);
        }
        records.delete(id);
        LOG.debug("container {} removed", id);
    }

    /** The container's log, opened once and kept across runs (appending, as after an agent restart). */
    private LogSink logSink(String id) {
        return logs.computeIfAbsent(id, k -> {
            try {
                return new JsonFileLogWriter(paths.log(k), rotation);
            } catch (IOException e) {
                throw new UncheckedIOException("open the log of container " + k, e);
            }
        });
    }
}
