package io.gantry.agent.node;

import io.gantry.agent.container.ResolvedImage;
import io.gantry.agent.logs.LogSink;
import io.gantry.agent.runtime.ContainerExit;
import io.gantry.agent.runtime.ContainerRuntimeException;
import io.gantry.agent.runtime.ContainerStatus;
import io.gantry.agent.runtime.FakeRuntime;
import io.gantry.agent.runtime.Signals;
import io.gantry.agent.runtime.StartRequest;
import io.gantry.agent.supervision.ContainerLifecycle;
import io.gantry.agent.supervision.ContainerOperations;
import io.gantry.agent.supervision.ContainerRecord;
import io.gantry.protocol.oci.ContainerConfig;
import io.gantry.protocol.oci.Descriptor;
import io.gantry.protocol.oci.Digest;
import io.gantry.protocol.oci.ImageConfig;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.MediaTypes;
import io.gantry.protocol.oci.Platform;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link ContainerOperations} over a {@link FakeRuntime}: images resolve at once (or through the
 * given resolver, e.g. a real image service), records stay in memory, nothing is mounted.
 */
final class FakeOperations implements ContainerOperations {

    /** Makes an image ready, as {@link ContainerOperations#resolveImage}. */
    @FunctionalInterface
    interface Resolver {
        ResolvedImage resolve(String reference, Optional<Digest> manifest) throws Exception;
    }

    final FakeRuntime runtime;
    final Map<String, ContainerRecord> records = new ConcurrentHashMap<>();
    private final Resolver resolver;

    FakeOperations(FakeRuntime runtime) {
        this(runtime, FakeOperations::fakeImage);
    }

    FakeOperations(FakeRuntime runtime, Resolver resolver) {
        this.runtime = runtime;
        this.resolver = resolver;
    }

    @Override
    public ResolvedImage resolveImage(String reference, Optional<Digest> manifest) throws Exception {
        return resolver.resolve(reference, manifest);
    }

    static ResolvedImage fakeImage(String reference, Optional<Digest> manifest) {
        Descriptor d = Descriptor.of(MediaTypes.OCI_MANIFEST, manifest.orElse(Digest.sha256(reference.getBytes())), 1);
        return new ResolvedImage(ImageReference.parse(reference), d, d,
                ImageConfig.of(Platform.of("linux", "amd64"), ContainerConfig.builder().cmd(List.of("app")).build(), List.of()),
                List.of(layerOf(reference)));
    }

    /** The one layer every fake image has: 1000 bytes named after the reference. */
    static Descriptor layerOf(String reference) {
        return Descriptor.of(MediaTypes.OCI_LAYER_TAR_GZIP, Digest.sha256(("layer of " + reference).getBytes()), 1000);
    }

    @Override
    public Started launch(ContainerLifecycle.Identity c, int run, ResolvedImage image) {
        runtime.destroy(c.id(), false);
        return new Started(runtime.start(new StartRequest(c.id(), Path.of("/fake", c.name()), LogSink.discarding())),
                Signals.SIGTERM, List.of("app"));
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
        try {
            return record.handle().map(h -> runtime.recover(h, LogSink.discarding()));
        } catch (ContainerRuntimeException.NotFound e) {
            return Optional.empty();
        }
    }

    @Override
    public void persist(ContainerRecord record) {
        records.put(record.id(), record);
    }

    @Override
    public void teardown(String id) {
        runtime.destroy(id, true);
        records.remove(id);
    }
}
