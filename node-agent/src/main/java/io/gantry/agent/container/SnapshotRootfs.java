package io.gantry.agent.container;

import io.gantry.agent.snapshot.ChangeSet;
import io.gantry.agent.snapshot.Mount;
import io.gantry.agent.snapshot.Mounter;
import io.gantry.agent.snapshot.SnapshotException;
import io.gantry.agent.snapshot.SnapshotInfo;
import io.gantry.agent.snapshot.Snapshotter;
import io.gantry.agent.unpack.LayerUnpacker;
import io.gantry.layercache.content.BlobInfo;
import io.gantry.layercache.image.ImageStore;
import io.gantry.protocol.oci.Descriptor;
import io.gantry.protocol.oci.Digest;
import io.gantry.protocol.oci.ImageConfig;
import io.gantry.protocol.oci.ImageManifest;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.InvalidReferenceException;
import io.gantry.protocol.oci.Parsed;
import io.gantry.protocol.oci.Platform;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link RootfsProvider} over the node's image store, layer unpacker and snapshotter:
 * <ol>
 * <li>resolve: the reference in the image store (pulled through the {@link ImagePuller} when it
 *     is not there), its manifest for this node's platform and its config;</li>
 * <li>each layer unpacked once under its diff id, then stacked as committed snapshots named by
 *     chain id ({@code image/<chain id>}), as containerd names them, so images that share a base
 *     share its snapshots;</li>
 * <li>the {@link InitLayer} on top ({@code init/<chain id>}): the parent of every container of
 *     that image;</li>
 * <li>per container, an active snapshot {@code container/<id>} mounted at the container's rootfs.</li>
 * </ol>
 * A resolved image is remembered by its manifest digest, so a warm start costs one image store
 * lookup and one overlay mount.
 */
public final class SnapshotRootfs implements RootfsProvider {

    static final String CONTAINER_PREFIX = "container/";

    private final ImageStore images;
    private final ImagePuller puller;
    private final LayerUnpacker unpacker;
    private final Snapshotter snapshotter;
    private final Mounter mounter;
    private final Platform platform;
    private final ConcurrentHashMap<Digest, ResolvedImage> resolved = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Object> pullLocks = new ConcurrentHashMap<>();

    public SnapshotRootfs(ImageStore images, ImagePuller puller, LayerUnpacker unpacker, Snapshotter snapshotter,
                          Mounter mounter, Platform platform) {
        this.images = images;
        this.puller = puller;
        this.unpacker = unpacker;
        this.snapshotter = snapshotter;
        this.mounter = mounter;
        this.platform = platform;
    }

    public Snapshotter snapshotter() {
        return snapshotter;
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
        if (known != null) {
            return known.reference().equals(ref) ? known
                    : new ResolvedImage(ref, known.target(), known.manifest(), known.config(), known.parentSnapshot());
        }
        Parsed<ImageManifest> m = images.manifest(image, platform);
        Parsed<ImageConfig> config = images.config(m);
        List<Digest> diffIds = config.value().diffIds();
        List<Descriptor> layers = m.value().layers();
        if (diffIds.size() != layers.size()) {
            throw new io.gantry.layercache.FailedPreconditionException("image " + ref + ": config lists " + diffIds.size()
                    + " diff ids for " + layers.size() + " layers");
        }
        String parent = null;
        Digest chain = null;
        for (int i = 0; i < layers.size(); i++) {
            Digest diffId = diffIds.get(i);
            if (!unpacker.isUnpacked(diffId)) {
                try (InputStream blob = images.content().open(layers.get(i).digest())) {
                    unpacker.unpack(diffId, blob);
                } catch (IOException e) {
                    throw new IOException("unpack layer " + layers.get(i).digest() + " of " + ref + ": " + e.getMessage(), e);
                }
            }
            chain = chain == null ? diffId : Digest.sha256((chain + " " + diffId).getBytes(StandardCharsets.US_ASCII));
            String name = "image/" + chain;
            snapshotter.importLayer(name, parent, diffId);
            parent = name;
        }
        if (!unpacker.isUnpacked(InitLayer.DIFF_ID)) {
            unpacker.unpack(InitLayer.DIFF_ID, new ByteArrayInputStream(InitLayer.tar()));
        }
        String init = "init/" + (chain == null ? "empty" : chain.toString());
        snapshotter.importLayer(init, parent, InitLayer.DIFF_ID);
        ResolvedImage r = new ResolvedImage(ref, image.target(), m.descriptor(), config.value(), init);
        resolved.put(image.target().digest(), r);
        return r;
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
            puller.pull(ref, platform);
            return images.get(ref);
        }
    }

    /** By name; a reference pinned to a digest also matches any local name for that manifest. */
    private Optional<ImageStore.Image> findLocal(ImageReference ref) {
        Optional<ImageStore.Image> named = images.find(ref);
        if (named.isPresent() || !ref.hasDigest()) {
            return named;
        }
        return images.list().stream().filter(i -> i.target().digest().equals(ref.digest())).findFirst();
    }

    @Override
    public Path mount(String containerId, ResolvedImage image, Path target) throws IOException {
        String key = CONTAINER_PREFIX + containerId;
        List<Mount> mounts;
        try {
            snapshotter.stat(key);
            mounts = snapshotter.mounts(key);
        } catch (SnapshotException e) {
            if (e.reason() != SnapshotException.Reason.NOT_FOUND) {
                throw e;
            }
            mounts = snapshotter.prepare(key, image.parentSnapshot());
        }
        Files.createDirectories(target);
        if (!isMountPoint(target)) {
            mounter.mount(mounts, target);
        }
        return target;
    }

    @Override
    public void remove(String containerId, Path target) throws IOException {
        if (Files.isDirectory(target)) {
            mounter.unmountAll(target);
        }
        snapshotter.remove(CONTAINER_PREFIX + containerId);
    }

    @Override
    public ChangeSet changes(String containerId) throws IOException {
        return snapshotter.changes(CONTAINER_PREFIX + containerId);
    }

    @Override
    public Set<String> containers() throws IOException {
        Set<String> out = new HashSet<>();
        for (SnapshotInfo s : snapshotter.list()) {
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

    /** Whether something is mounted at {@code dir} (a bind mount can sit on the same device). */
    public static boolean isMountPoint(Path dir) throws IOException {
        String wanted = dir.toAbsolutePath().normalize().toString();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ", 6);
            if (f.length > 4 && unescape(f[4]).equals(wanted)) {
                return true;
            }
        }
        return false;
    }

    /** mountinfo writes space, tab, newline and backslash as octal escapes. */
    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
