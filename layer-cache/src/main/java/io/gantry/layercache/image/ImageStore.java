package io.gantry.layercache.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.layercache.FailedPreconditionException;
import io.gantry.layercache.NotFoundException;
import io.gantry.layercache.content.AtomicFiles;
import io.gantry.layercache.content.ContentStore;
import io.gantry.protocol.oci.Descriptor;
import io.gantry.protocol.oci.Digest;
import io.gantry.protocol.oci.ImageConfig;
import io.gantry.protocol.oci.ImageIndex;
import io.gantry.protocol.oci.ImageManifest;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.InvalidDocumentException;
import io.gantry.protocol.oci.ManifestDocument;
import io.gantry.protocol.oci.MediaTypes;
import io.gantry.protocol.oci.OciJson;
import io.gantry.protocol.oci.Parsed;
import io.gantry.protocol.oci.Platform;
import io.gantry.protocol.oci.PlatformNotFoundException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The local image index: image names ({@code registry/repository:tag} or {@code …@digest}) to the
 * manifest or index they point at, like containerd's image store. Everything an image needs is in
 * the {@link ContentStore}; this class only names it and keeps it alive: each image holds the lease
 * {@code image/<name>} on its index, manifests, configs, layers and the layers' diff ids (so that
 * unpacked layers are kept too). Removing an image drops its lease; the next gc frees what no other
 * image or container still leases.
 *
 * <p>The index is one small JSON file, {@code ROOT/images.json}, rewritten atomically on every
 * change; a crash leaves the old or the new index.
 */
public final class ImageStore {

    /** One named image. {@code target} is a manifest or an index (all platforms' manifests need not be present). */
    public record Image(ImageReference name, Descriptor target, Instant created, Instant updated) {
    }

    private final ContentStore content;
    private final Path file;
    private final Clock clock;
    private final TreeMap<String, Image> images = new TreeMap<>();

    private ImageStore(ContentStore content, Clock clock) {
        this.content = content;
        this.file = content.root().resolve("images.json");
        this.clock = clock;
    }

    public static ImageStore open(ContentStore content) throws IOException {
        return open(content, Clock.systemUTC());
    }

    public static ImageStore open(ContentStore content, Clock clock) throws IOException {
        ImageStore store = new ImageStore(content, clock);
        store.load();
        return store;
    }

    public ContentStore content() {
        return content;
    }

    /** The lease that keeps an image's content: {@code image/<canonical name>}. */
    public static String leaseName(ImageReference name) {
        return "image/" + name;
    }

    /**
     * Names {@code target} (already in the content store, with everything it points to that should
     * be kept) as {@code name}, replacing what the name pointed at, and leases its content.
     */
    public synchronized Image put(ImageReference name, Descriptor target) throws IOException {
        if (!MediaTypes.isManifestOrIndex(target.mediaType())) {
            throw new FailedPreconditionException("image " + name + ": " + target.mediaType()
                    + " is neither an image manifest nor an index");
        }
        if (!content.exists(target.digest())) {
            throw new NotFoundException("image " + name + ": manifest " + target.digest() + " is not in the content store");
        }
        if (name.hasDigest() && !name.digest().equals(target.digest())) {
            throw new FailedPreconditionException("image " + name + " names digest " + name.digest()
                    + " but the manifest is " + target.digest());
        }
        content.leases().put(leaseName(name), closure(target));
        Instant now = clock.instant();
        Image previous = images.get(name.toString());
        Image image = new Image(name, target, previous == null ? now : previous.created(), now);
        images.put(name.toString(), image);
        save();
        return image;
    }

    public synchronized Optional<Image> find(ImageReference name) {
        return Optional.ofNullable(images.get(name.toString()));
    }

    public Image get(ImageReference name) throws NotFoundException {
        return find(name).orElseThrow(() -> new NotFoundException("image " + name + " not found"));
    }

    public synchronized List<Image> list() {
        return List.copyOf(images.values());
    }

    /** Forgets the name and drops its lease; content shared with other images stays leased by them. */
    public synchronized boolean remove(ImageReference name) throws IOException {
        Image removed = images.remove(name.toString());
        if (removed == null) {
            return false;
        }
        save();
        content.leases().delete(leaseName(name));
        return true;
    }

    // ---- reading an image's documents ------------------------------------------------------

    /** The manifest or index at {@code descriptor}, verified against it. */
    public Parsed<ManifestDocument> document(Descriptor descriptor) throws IOException {
        byte[] raw = content.readAll(descriptor.digest());
        try {
            return OciJson.parseManifest(raw, descriptor);
        } catch (io.gantry.protocol.oci.DigestMismatchException e) {
            throw new io.gantry.layercache.DigestMismatchException("manifest " + descriptor.digest()
                    + " in the content store: " + e.getMessage());
        } catch (InvalidDocumentException e) {
            throw new FailedPreconditionException("manifest " + descriptor.digest() + " in the content store: " + e.getMessage(), e);
        }
    }

    /**
     * The image manifest for {@code platform}: the target itself, or the best entry of an index
     * whose manifest is in the store (a pull keeps only the platform it pulled).
     */
    public Parsed<ImageManifest> manifest(Image image, Platform platform) throws IOException {
        Parsed<ManifestDocument> doc = document(image.target());
        int depth = 0;
        while (doc.value() instanceof ImageIndex index) {
            if (++depth > 4) {
                throw new FailedPreconditionException("image " + image.name() + ": indexes nested too deep");
            }
            Descriptor chosen = null;
            for (Descriptor candidate : index.candidates(platform)) {
                if (content.exists(candidate.digest())) {
                    chosen = candidate;
                    break;
                }
            }
            if (chosen == null) {
                throw new NotFoundException("image " + image.name() + ": "
                        + new PlatformNotFoundException(platform, index.availablePlatforms()).getMessage()
                        + " (among the manifests in the content store)");
            }
            doc = document(chosen);
        }
        return doc.as(ImageManifest.class);
    }

    /** The image config a manifest points at. */
    public Parsed<ImageConfig> config(Parsed<ImageManifest> manifest) throws IOException {
        Descriptor descriptor = manifest.value().config();
        byte[] raw = content.readAll(descriptor.digest());
        try {
            return OciJson.parseImageConfig(raw, descriptor);
        } catch (io.gantry.protocol.oci.DigestMismatchException e) {
            throw new io.gantry.layercache.DigestMismatchException("config " + descriptor.digest()
                    + " in the content store: " + e.getMessage());
        } catch (InvalidDocumentException e) {
            throw new FailedPreconditionException("config " + descriptor.digest() + " of manifest " + manifest.digest()
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * Every digest an image keeps: the target, an index's manifests that are present, each
     * manifest's config and layers, and the configs' diff ids.
     */
    public Set<Digest> closure(Descriptor target) throws IOException {
        Set<Digest> digests = new LinkedHashSet<>();
        collect(target, digests, 0);
        return digests;
    }

    private void collect(Descriptor descriptor, Set<Digest> digests, int depth) throws IOException {
        digests.add(descriptor.digest());
        if (!content.exists(descriptor.digest()) || depth > 4) {
            return;
        }
        Parsed<ManifestDocument> doc = document(descriptor);
        if (doc.value() instanceof ImageIndex index) {
            for (Descriptor child : index.manifests()) {
                if (MediaTypes.isManifestOrIndex(child.mediaType()) && content.exists(child.digest())) {
                    collect(child, digests, depth + 1);
                }
            }
        } else if (doc.value() instanceof ImageManifest manifest) {
            digests.add(manifest.config().digest());
            for (Descriptor layer : manifest.layers()) {
                digests.add(layer.digest());
            }
            if (content.exists(manifest.config().digest()) && MediaTypes.isConfig(manifest.config().mediaType())) {
                digests.addAll(config(doc.as(ImageManifest.class)).value().diffIds());
            }
        }
    }

    // ---- persistence -----------------------------------------------------------------------

    private void load() throws IOException {
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return;
        }
        try {
            JsonNode root = OciJson.mapper().readTree(raw);
            for (JsonNode node : root.path("images")) {
                ImageReference name = ImageReference.parse(node.path("name").asText());
                Descriptor target = OciJson.mapper().treeToValue(node.path("target"), Descriptor.class);
                images.put(name.toString(), new Image(name, target,
                        Instant.parse(node.path("created").asText()), Instant.parse(node.path("updated").asText())));
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException("image index " + file + " is unreadable: " + e.getMessage(), e);
        }
    }

    private void save() throws IOException {
        ObjectNode root = OciJson.mapper().createObjectNode();
        ArrayNode list = root.putArray("images");
        List<Image> all = new ArrayList<>(images.values());
        for (Image image : all) {
            ObjectNode node = list.addObject();
            node.put("name", image.name().toString());
            node.set("target", OciJson.mapper().valueToTree(image.target()));
            node.put("created", image.created().toString());
            node.put("updated", image.updated().toString());
        }
        AtomicFiles.write(file, OciJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
    }
}
