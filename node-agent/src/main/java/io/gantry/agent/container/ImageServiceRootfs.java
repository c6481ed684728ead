package io.gantry.agent.container;

import io.gantry.agent.image.ImageService;
import io.gantry.agent.image.PullListener;
import io.gantry.agent.snapshot.ChangeSet;
import io.gantry.agent.snapshot.Mount;
import io.gantry.agent.snapshot.Mounter;
import io.gantry.agent.snapshot.SnapshotInfo;
import io.gantry.layercache.content.BlobInfo;
import io.gantry.layercache.image.ImageStore;
import io.gantry.protocol.oci.Digest;
import io.gantry.protocol.oci.ImageConfig;
import io.gantry.protocol.oci.ImageManifest;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.InvalidReferenceException;
import io.gantry.protocol.oci.Parsed;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link RootfsProvider} over the node's {@link ImageService}: images are pulled by it when the
 * store does not have them (plain HTTP for loopback and configured insecure registries, as
 * Docker), and a container's root file system is its writable snapshot from
 * {@link ImageService#prepareRootfs} with the {@link InitLayer} underneath, mounted at the
 * container's rootfs directory. A resolved image is remembered by its manifest digest, so a warm
 * start costs an image store lookup and one overlay mount.
 */
public final class ImageServiceRootfs implements RootfsProvider {

    private static final String CONTAINER_PREFIX = "container/";
    private static final ImageService.InitLayer INIT = new ImageService.InitLayer(InitLayer.DIFF_ID,
            () -> new ByteArrayInputStream(InitLayer.tar()));

    private final ImageService images;
    private final Set<String> insecureRegistries;
    private final Mounter mounter = new Mounter();
    private final ConcurrentHashMap<Digest, ResolvedImage> resolved = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Object> pullLocks = new ConcurrentHashMap<>();

    public ImageServiceRootfs(ImageService images, Set<String> insecureRegistries) {
        this.images = images;
        this.insecureRegistries = Set.copyOf(insecureRegistries);
    }

    public ImageService images() {
        return images;
    }

    @Override
    public ResolvedImage resolve(String reference, Optional<Digest> manifest) throws IOException {
        ImageReference ref;
        try {
            ref = ImageReference.parse(reference);
        } catch (InvalidReferenceException e) {
            throw new InvalidContainerRequestException("image", e.getMessage());
        }
        if (manifest.isPresent() && !ref.hasDigest()) {
            ref = ref.withDigest(manifest.get());
        }
        ImageStore.Image image = findOrPull(ref);
        ResolvedImage known = resolved.get(image.target().digest());
        if (known != null && known.reference().equals(image.name())) {
            return known;
        }
        ImageStore store = images.images();
        Parsed<ImageManifest> m = store.manifest(image, images.options().platform());
        Parsed<ImageConfig> config = store.config(m);
        ResolvedImage r = new ResolvedImage(image.name(), image.target(), m.descriptor(), config.value(),
                m.value().layers());
        resolved.put(image.target().digest(), r);
        return r;
    }

    @Override
    public Optional<ResolvedImage> resolveCached(String reference, Optional<Digest> manifest) {
        ImageReference ref;
        try {
            ref = ImageReference.parse(reference);
        } catch (InvalidReferenceException e) {
            return Optional.empty();
        }
        if (manifest.isPresent() && !ref.hasDigest()) {
            ref = ref.withDigest(manifest.get());
        }
        Optional<ImageStore.Image> image = images.images().find(ref);
        if (image.isEmpty()) {
            return Optional.empty();
        }
        ResolvedImage known = resolved.get(image.get().target().digest());
        return known != null && known.reference().equals(image.get().name()) ? Optional.of(known) : Optional.empty();
    }

    private ImageStore.Image findOrPull(ImageReference ref) throws IOException {
        Optional<ImageStore.Image> local = findLocal(ref);
        if (local.isPresent()) {
            return local.get();
        }
        synchronized (pullLocks.computeIfAbsent(ref.toString(), k -> new Object())) {
            local = findLocal(ref);
            if (local.isPresent()) {
                return local.get();
            }
            boolean plainHttp = ref.isLocalhostOrLoopback() || insecureRegistries.contains(ref.registry());
            images.pull(ref, new ImageService.PullOptions(plainHttp, null), PullListener.NONE);
            return images.images().get(ref);
        }
    }

    /** By name; a reference pinned to a digest also matches any local name of that manifest. */
    private Optional<ImageStore.Image> findLocal(ImageReference ref) {
        ImageStore store = images.images();
        Optional<ImageStore.Image> named = store.find(ref);
        if (named.isPresent() || !ref.hasDigest()) {
            return named;
        }
        return store.list().stream().filter(i -> i.target().digest().equals(ref.digest())).findFirst();
    }

    @Override
    public Path mount(String containerId, ResolvedImage image, Path target) throws IOException {
        List<Mount> mounts = images.prepareRootfs(containerId, image.reference(), INIT);
        // a directory this call creates is no mount point; one that exists may be (an agent restart)
        boolean fresh = createdNow(target);
        if (fresh || !MountPoints.isMountPoint(target)) {
            mounter.mount(mounts, target);
        }
        return target;
    }

    private static boolean createdNow(Path dir) throws IOException {
        Files.createDirectories(dir.getParent());
        try {
            Files.createDirectory(dir);
            return true;
        } catch (java.nio.file.FileAlreadyExistsException e) {
            return false;
        }
    }

    @Override
    public void remove(String containerId, Path target) throws IOException {
        if (Files.isDirectory(target)) {
            mounter.unmountAll(target);
        }
        images.releaseRootfs(containerId);
    }

    @Override
    public ChangeSet changes(String containerId) throws IOException {
        return images.snapshotter().changes(CONTAINER_PREFIX + containerId);
    }

    @Override
    public Set<String> containers() throws IOException {
        Set<String> out = new HashSet<>();
        for (SnapshotInfo s : images.snapshotter().list()) {
            if (s.name().startsWith(CONTAINER_PREFIX)) {
                out.add(s.name().substring(CONTAINER_PREFIX.length()));
            }
        }
        return out;
    }

    @Override
    public Set<Digest> heldBlobs() throws IOException {
        Set<Digest> out = new HashSet<>();
        for (BlobInfo b : images.content().list()) {
            out.add(b.digest());
        }
        return out;
    }
}
