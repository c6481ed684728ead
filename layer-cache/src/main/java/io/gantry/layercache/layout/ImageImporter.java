package io.gantry.layercache.layout;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.layercache.DigestMismatchException;
import io.gantry.layercache.FailedPreconditionException;
import io.gantry.layercache.NotFoundException;
import io.gantry.layercache.content.BlobInfo;
import io.gantry.layercache.content.ContentStore;
import io.gantry.layercache.content.ContentWriter;
import io.gantry.layercache.image.ImageStore;
import io.gantry.protocol.oci.Descriptor;
import io.gantry.protocol.oci.Digest;
import io.gantry.protocol.oci.ImageConfig;
import io.gantry.protocol.oci.ImageIndex;
import io.gantry.protocol.oci.ImageManifest;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.InvalidDocumentException;
import io.gantry.protocol.oci.InvalidReferenceException;
import io.gantry.protocol.oci.ManifestDocument;
import io.gantry.protocol.oci.MediaTypes;
import io.gantry.protocol.oci.OciJson;
import io.gantry.protocol.oci.Parsed;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.zip.GZIPInputStream;

/**
 * Imports images from files into the content and image stores, verifying every blob:
 * <ul>
 *   <li>an <b>OCI image layout</b> (directory or tar: {@code oci-layout}, {@code index.json},
 *       {@code blobs/<alg>/<hex>}), as written by {@code skopeo copy … oci:DIR}, BuildKit or
 *       {@link OciLayoutExporter}. Images are named from the index entries' annotations:
 *       {@code io.containerd.image.name} (a full name), else {@code org.opencontainers.image.ref.name}
 *       (a full name, or a tag for the default repository);</li>
 *   <li>a <b>{@code docker save} archive</b> ({@code manifest.json} listing each image's
 *       {@code Config}, {@code RepoTags} and {@code Layers}; classic or Docker 25's OCI-shaped
 *       variant). Layers are stored as they are in the archive (usually uncompressed tars, whose
 *       digest is their diff id; gzip ones are recognised), each checked against the config's
 *       {@code rootfs.diff_ids}, and a Docker schema2 manifest is written for each image.</li>
 * </ul>
 * The input is read once, front to back (a tar need not be seekable); blobs go through verified
 * ingests and are held by a temporary lease until the images that use them are named. Entries that
 * have no name get {@code defaultName} (its repository with their tag, or with their digest).
 */
public final class ImageImporter {

    /** What a layout or archive file holds, read once: small JSON documents in memory, blobs in the store. */
    private static final class ArchiveFiles {
        final Map<String, byte[]> documents = new HashMap<>();
        final Map<String, BlobInfo> stored = new HashMap<>();
        final Map<String, String> symlinks = new HashMap<>();

        String resolve(String name) {
            String current = name;
            for (int i = 0; i < 16 && symlinks.containsKey(current); i++) {
                current = symlinks.get(current);
            }
            return current;
        }
    }

    private static final long DOCUMENT_LIMIT = OciJson.MAX_MANIFEST_BYTES;

    private final ImageStore images;
    private final ContentStore content;

    public ImageImporter(ImageStore images) {
        this.images = images;
        this.content = images.content();
    }

    /**
     * Imports whatever {@code path} is (layout directory, layout tar, docker archive; a tar may be
     * gzip-compressed) and returns the images named.
     *
     * @param defaultName the name for images the input does not name (may be null: then
     *                    {@code localhost/<file name>})
     */
    public List<ImageStore.Image> importFrom(Path path, ImageReference defaultName) throws IOException {
        String where = "import " + path;
        String lease = "import/" + UUID.randomUUID();
        try {
            ArchiveFiles files;
            if (Files.isDirectory(path)) {
                files = readDirectory(path, lease, where);
            } else if (Files.isRegularFile(path)) {
                files = readTar(path, lease, where);
            } else {
                throw new NotFoundException(where + ": no such file or directory");
            }
            ImageReference fallback = defaultName != null ? defaultName : defaultNameFor(path);
            if (files.documents.containsKey("manifest.json")) {
                return importDockerArchive(files, fallback, lease, where);
            }
            if (files.documents.containsKey("oci-layout") || files.documents.containsKey("index.json")) {
                return importOciLayout(files, fallback, where);
            }
            throw new FailedPreconditionException(where + ": neither an OCI image layout (oci-layout, index.json) nor a "
                    + "docker save archive (manifest.json)");
        } finally {
            content.leases().delete(lease);
        }
    }

    private static ImageReference defaultNameFor(Path path) {
        String base = path.getFileName() == null ? "import" : path.getFileName().toString();
        base = base.replaceAll("\\.(tar|tgz|tar\\.gz)$", "").toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-")
                .replaceAll("^[^a-z0-9]+|[^a-z0-9]+$", "");
        if (base.isEmpty()) {
            base = "import";
        }
        try {
            return ImageReference.parse("localhost/" + base + ":latest");
        } catch (InvalidReferenceException e) {
            return ImageReference.parse("localhost/import:latest");
        }
    }

    // ---- reading ---------------------------------------------------------------------------

    private ArchiveFiles readDirectory(Path root, String lease, String where) throws IOException {
        ArchiveFiles files = new ArchiveFiles();
        List<Path> all = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                all.add(file);
                return FileVisitResult.CONTINUE;
            }
        });
        for (Path file : all) {
            String name = root.relativize(file).toString().replace('\\', '/');
            if (Files.isSymbolicLink(file)) {
                files.symlinks.put(name, normalizeLink(name, Files.readSymbolicLink(file).toString()));
                continue;
            }
            try (InputStream in = Files.newInputStream(file)) {
                readEntry(files, name, Files.size(file), in, lease, where);
            }
        }
        return files;
    }

    private ArchiveFiles readTar(Path tar, String lease, String where) throws IOException {
        ArchiveFiles files = new ArchiveFiles();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(tar), 256 * 1024)) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            InputStream in = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(raw, 256 * 1024) : raw;
            try (TarArchiveInputStream entries = new TarArchiveInputStream(in)) {
                for (TarArchiveEntry entry; (entry = entries.getNextEntry()) != null; ) {
                    String name = entry.getName();
                    while (name.startsWith("./")) {
                        name = name.substring(2);
                    }
                    if (entry.isSymbolicLink()) {
                        files.symlinks.put(name, normalizeLink(name, entry.getLinkName()));
                    } else if (entry.isLink()) {
                        files.symlinks.put(name, entry.getLinkName());
                    } else if (entry.isFile()) {
                        readEntry(files, name, entry.getSize(), entries, lease, where);
                    }
                }
            }
        } catch (IOException e) {
            if (e instanceof io.gantry.layercache.LayerCacheException) {
                throw e;
            }
            throw new FailedPreconditionException(where + ": not a readable tar: " + e.getMessage(), e);
        }
        return files;
    }

    private static String normalizeLink(String name, String target) {
        if (target.startsWith("/")) {
            return target.substring(1);
        }
        int slash = name.lastIndexOf('/');
        String resolved = (slash < 0 ? "" : name.substring(0, slash + 1)) + target;
        List<String> parts = new ArrayList<>();
        for (String part : resolved.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!parts.isEmpty()) {
                    parts.remove(parts.size() - 1);
                }
                continue;
            }
            parts.add(part);
        }
        return String.join("/", parts);
    }

    /** Files under {@code blobs/} are verified against their name; other large files are stored by content. */
    private void readEntry(ArchiveFiles files, String name, long size, InputStream in, String lease, String where)
            throws IOException {
        Digest named = blobDigest(name);
        if (named != null) {
            BlobInfo info;
            content.leases().add(lease, List.of(named));
            try {
                info = content.fetch(named, size, writer -> {
                    writer.restart();
                    in.transferTo(writer);
                });
            } catch (DigestMismatchException e) {
                throw e.withContext(where + ": " + name);
            }
            files.stored.put(name, info);
            return;
        }
        if (size <= DOCUMENT_LIMIT && !name.endsWith(".tar") && !name.endsWith(".tar.gz")) {
            files.documents.put(name, in.readNBytes((int) size));
            return;
        }
        try (ContentWriter writer = content.writer()) {
            writer.leaseOnCommit(lease);
            in.transferTo(writer);
            files.stored.put(name, writer.commit(size, null));
        }
    }

    private static Digest blobDigest(String name) {
        String[] parts = name.split("/");
        if (parts.length == 3 && parts[0].equals("blobs")) {
            try {
                return new Digest(parts[1], parts[2]);
            } catch (IllegalArgumentException notABlobName) {
                return null;
            }
        }
        return null;
    }

    // ---- OCI image layout ------------------------------------------------------------------

    private List<ImageStore.Image> importOciLayout(ArchiveFiles files, ImageReference fallback, String where)
            throws IOException {
        byte[] layoutFile = files.documents.get("oci-layout");
        if (layoutFile == null) {
            throw new FailedPreconditionException(where + ": index.json without oci-layout: not an OCI image layout");
        }
        String version = OciJson.mapper().readTree(layoutFile).path("imageLayoutVersion").asText("");
        if (!version.startsWith("1.")) {
            throw new FailedPreconditionException(where + ": oci-layout imageLayoutVersion '" + version
                    + "' is not supported (1.x is)");
        }
        byte[] indexFile = files.documents.get("index.json");
        if (indexFile == null) {
            throw new FailedPreconditionException(where + ": oci-layout without index.json");
        }
        ImageIndex index;
        try {
            index = OciJson.parseManifest(indexFile, MediaTypes.OCI_INDEX, null).as(ImageIndex.class).value();
        } catch (InvalidDocumentException e) {
            throw new FailedPreconditionException(where + ": index.json: " + e.getMessage(), e);
        }
        List<ImageStore.Image> imported = new ArrayList<>();
        for (Descriptor entry : index.manifests()) {
            if (!MediaTypes.isManifestOrIndex(entry.mediaType())) {
                continue;
            }
            String what = where + ": index.json entry " + entry.digest();
            checkComplete(entry, what, 0);
            imported.add(images.put(nameOf(entry, fallback), Descriptor.of(entry.mediaType(), entry.digest(), entry.size())));
        }
        if (imported.isEmpty()) {
            throw new FailedPreconditionException(where + ": index.json lists no image");
        }
        return imported;
    }

    /** Every blob an entry points to must have been in the layout (an index may lack other platforms). */
    private void checkComplete(Descriptor descriptor, String what, int depth) throws IOException {
        if (!content.exists(descriptor.digest())) {
            throw new NotFoundException(what + ": blob " + descriptor.digest() + " is missing from blobs/");
        }
        Parsed<ManifestDocument> doc;
        try {
            doc = OciJson.parseManifest(content.readAll(descriptor.digest()), descriptor);
        } catch (InvalidDocumentException e) {
            throw new FailedPreconditionException(what + ": " + e.getMessage(), e);
        }
        if (doc.value() instanceof ImageIndex nested) {
            boolean any = false;
            for (Descriptor child : nested.manifests()) {
                if (MediaTypes.isManifestOrIndex(child.mediaType()) && content.exists(child.digest()) && depth < 4) {
                    checkComplete(child, what, depth + 1);
                    any = true;
                }
            }
            if (!any) {
                throw new NotFoundException(what + ": none of the index's manifests is in blobs/");
            }
        } else if (doc.value() instanceof ImageManifest manifest) {
            List<Descriptor> needed = new ArrayList<>(manifest.layers());
            needed.add(0, manifest.config());
            for (Descriptor blob : needed) {
                BlobInfo info = content.find(blob.digest()).orElseThrow(() -> new NotFoundException(
                        what + ": blob " + blob.digest() + " is missing from blobs/"));
                if (info.size() != blob.size()) {
                    throw new DigestMismatchException(what + ": size mismatch for " + blob.digest() + ": descriptor says "
                            + blob.size() + " bytes, blob has " + info.size());
                }
            }
        }
    }

    private static ImageReference nameOf(Descriptor entry, ImageReference fallback) {
        Map<String, String> annotations = entry.annotations();
        String full = annotations.get("io.containerd.image.name");
        if (full != null) {
            try {
                return ImageReference.parse(full);
            } catch (InvalidReferenceException ignored) {
                // fall through to the OCI annotation
            }
        }
        String ref = annotations.get("org.opencontainers.image.ref.name");
        if (ref != null && !ref.isEmpty()) {
            if (ref.contains("/") || ref.contains("@")) {
                try {
                    return ImageReference.parse(ref);
                } catch (InvalidReferenceException ignored) {
                    // not a full name; maybe a tag
                }
            }
            try {
                return new ImageReference(fallback.registry(), fallback.repository(), ref, null);
            } catch (InvalidReferenceException ignored) {
                // not a valid tag either: name it by digest
            }
        }
        return new ImageReference(fallback.registry(), fallback.repository(), null, entry.digest());
    }

    // ---- docker save -----------------------------------------------------------------------

    private List<ImageStore.Image> importDockerArchive(ArchiveFiles files, ImageReference fallback, String lease,
                                                       String where) throws IOException {
        JsonNode manifests = OciJson.mapper().readTree(files.documents.get("manifest.json"));
        if (!manifests.isArray() || manifests.isEmpty()) {
            throw new FailedPreconditionException(where + ": manifest.json is not a non-empty array");
        }
        List<ImageStore.Image> imported = new ArrayList<>();
        int number = 0;
        for (JsonNode image : manifests) {
            String what = where + ": manifest.json[" + number++ + "]";
            String configName = image.path("Config").asText("");
            byte[] configBytes = document(files, configName, what + ": Config");
            Digest configDigest = Digest.sha256(configBytes);
            content.leases().add(lease, List.of(configDigest));
            content.write(configBytes);
            Parsed<ImageConfig> config;
            try {
                config = OciJson.parseImageConfig(configBytes, MediaTypes.DOCKER_CONFIG, configDigest);
            } catch (InvalidDocumentException e) {
                throw new FailedPreconditionException(what + ": " + configName + ": " + e.getMessage(), e);
            }
            JsonNode layerNames = image.path("Layers");
            List<Digest> diffIds = config.value().diffIds();
            if (layerNames.size() != diffIds.size()) {
                throw new FailedPreconditionException(what + ": " + layerNames.size() + " layers but the config lists "
                        + diffIds.size() + " diff ids");
            }
            List<Descriptor> layers = new ArrayList<>();
            for (int i = 0; i < layerNames.size(); i++) {
                String layerName = layerNames.get(i).asText();
                layers.add(layer(files, layerName, diffIds.get(i), what + ": layer " + i + " (" + layerName + ")"));
            }
            Descriptor configDescriptor = Descriptor.of(MediaTypes.DOCKER_CONFIG, configDigest, configBytes.length);
            byte[] manifestBytes = OciJson.write(ImageManifest.docker(configDescriptor, layers));
            Descriptor manifestDescriptor = Descriptor.forContent(MediaTypes.DOCKER_MANIFEST, manifestBytes);
            content.leases().add(lease, List.of(manifestDescriptor.digest()));
            content.write(manifestBytes);

            List<ImageReference> names = new ArrayList<>();
            for (JsonNode tag : image.path("RepoTags")) {
                try {
                    names.add(ImageReference.parse(tag.asText()));
                } catch (InvalidReferenceException e) {
                    throw new FailedPreconditionException(what + ": RepoTags: " + e.getMessage(), e);
                }
            }
            if (names.isEmpty()) {
                names.add(new ImageReference(fallback.registry(), fallback.repository(), null, manifestDescriptor.digest()));
            }
            for (ImageReference name : names) {
                imported.add(images.put(name, manifestDescriptor));
            }
        }
        return imported;
    }

    private byte[] document(ArchiveFiles files, String name, String what) throws IOException {
        String resolved = files.resolve(name);
        byte[] inMemory = files.documents.get(resolved);
        if (inMemory != null) {
            return inMemory;
        }
        BlobInfo stored = files.stored.get(resolved);
        if (stored != null) {
            return content.readAll(stored.digest());
        }
        throw new NotFoundException(what + ": " + (name.isEmpty() ? "(no file named)" : name) + " is not in the archive");
    }

    /** Stores (if needed) and describes one docker-save layer, checking its diff id. */
    private Descriptor layer(ArchiveFiles files, String name, Digest diffId, String what) throws IOException {
        String resolved = files.resolve(name);
        BlobInfo blob = files.stored.get(resolved);
        if (blob == null) {
            byte[] small = files.documents.get(resolved);
            if (small == null) {
                throw new NotFoundException(what + ": not in the archive");
            }
            blob = content.write(small);
        }
        byte[] magic;
        try (InputStream in = content.open(blob.digest())) {
            magic = in.readNBytes(4);
        }
        boolean gzip = magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b;
        boolean zstd = magic.length >= 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5
                && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd;
        if (zstd) {
            throw new FailedPreconditionException(what + ": zstd layers are not supported in docker archives");
        }
        Digest actual;
        if (gzip) {
            actual = uncompressedDigest(blob.digest(), diffId.algorithm(), true);
        } else {
            actual = diffId.algorithm().equals(blob.digest().algorithm()) ? blob.digest()
                    : uncompressedDigest(blob.digest(), diffId.algorithm(), false);
        }
        if (!actual.equals(diffId)) {
            throw new DigestMismatchException(what + ": diff id mismatch for " + diffId + ": got " + actual);
        }
        return Descriptor.of(gzip ? MediaTypes.DOCKER_LAYER_TAR_GZIP : MediaTypes.DOCKER_LAYER_TAR,
                blob.digest(), blob.size());
    }

    private Digest uncompressedDigest(Digest blob, String algorithm, boolean gzip) throws IOException {
        java.security.MessageDigest md = Digest.messageDigest(algorithm);
        try (InputStream raw = content.open(blob);
             InputStream in = gzip ? new GZIPInputStream(raw, 256 * 1024) : raw) {
            byte[] buffer = new byte[256 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                md.update(buffer, 0, n);
            }
        }
        return Digest.from(algorithm, md);
    }
}
