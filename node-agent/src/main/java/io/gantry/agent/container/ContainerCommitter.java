package io.gantry.agent.container;

import io.gantry.agent.snapshot.ChangeSet;
import io.gantry.agent.snapshot.CommittedLayer;
import io.gantry.agent.snapshot.LayerCommitter;
import io.gantry.layercache.content.ContentStore;
import io.gantry.layercache.content.ContentWriter;
import io.gantry.layercache.image.ImageBuilder;
import io.gantry.layercache.image.ImageStore;
import io.gantry.protocol.oci.Descriptor;
import io.gantry.protocol.oci.Digest;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.InvalidReferenceException;
import io.gantry.protocol.oci.Platform;

import java.io.IOException;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code docker commit}: the container's writable layer (against its image plus the init
 * layer, so the runtime's mount points stay out) written as a gzip layer into the content store
 * by {@link LayerCommitter}, and a new image built by {@link ImageBuilder#from} its image with
 * that layer and a history entry saying what made it. The container keeps running; what it
 * writes while the layer is written may or may not be in it (Docker pauses; Gantry does not).
 */
public final class ContainerCommitter {

    private final ImageStore images;
    private final RootfsProvider rootfs;
    private final Platform platform;
    private final Clock clock;

    public ContainerCommitter(ImageStore images, RootfsProvider rootfs, Platform platform, Clock clock) {
        this.images = images;
        this.rootfs = rootfs;
        this.platform = platform;
        this.clock = clock;
    }

    public ContainerService.CommittedImage commit(ContainerView c, String reference, Optional<String> comment)
            throws IOException {
        ImageReference target;
        try {
            target = ImageReference.parse(reference);
        } catch (InvalidReferenceException e) {
            throw new InvalidContainerRequestException("reference", e.getMessage());
        }
        if (target.hasDigest()) {
            throw new InvalidContainerRequestException("reference", "'" + reference
                    + "' names a digest; a commit names its image with a tag");
        }
        if (c.imageDigest().isEmpty()) {
            throw new ContainerConflictException("container " + c.name() + " has no file system yet (" + c.phase().text() + ")");
        }
        ResolvedImage base = rootfs.resolve(c.image(), Optional.of(Digest.parse(c.imageDigest().get())));
        ChangeSet changes = rootfs.changes(c.id());
        ContentStore content = images.content();
        String lease = "commit/" + UUID.randomUUID();
        try {
            CommittedLayer layer;
            try (ContentWriter w = content.writer().leaseOnCommit(lease)) {
                layer = LayerCommitter.writeGzip(changes, w);
                w.commit(layer.size(), layer.digest());
            }
            String createdBy = c.command().isEmpty() ? "gantry container commit " + c.id() : String.join(" ", c.command());
            ImageBuilder.BuiltImage built = ImageBuilder.create(images)
                    .from(new ImageStore.Image(base.reference(), base.target(), clock.instant(), clock.instant()), platform)
                    .created(clock.instant())
                    .layer(Descriptor.of(layer.mediaType(), layer.digest(), layer.size()), layer.diffId(),
                            comment.map(t -> createdBy + " # " + t).orElse(createdBy))
                    .build(target);
            return new ContainerService.CommittedImage(built.name().toString(), built.digest().toString(),
                    layer.diffId().toString(), layer.size());
        } finally {
            content.leases().delete(lease);
        }
    }
}
