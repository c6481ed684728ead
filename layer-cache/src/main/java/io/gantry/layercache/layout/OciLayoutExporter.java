package io.gantry.layercache.layout;

import io.gantry.layercache.FailedPreconditionException;
import io.gantry.layercache.content.AtomicFiles;
import io.gantry.layercache.content.ContentStore;
import io.gantry.layercache.image.ImageStore;
import io.gantry.protocol.oci.Descriptor;
import io.gantry.protocol.oci.Digest;
import io.gantry.protocol.oci.ImageIndex;
import io.gantry.protocol.oci.ImageManifest;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.ManifestDocument;
import io.gantry.protocol.oci.MediaTypes;
import io.gantry.protocol.oci.OciJson;
import io.gantry.protocol.oci.Parsed;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes images of the image store as an OCI image layout, the format {@code skopeo},
 * {@code podman} and containerd exchange images in: {@code oci-layout}, {@code blobs/<alg>/<hex>}
 * for every manifest, config and layer, and {@code index.json} with one entry per image, annotated
 * with its tag ({@code org.opencontainers.image.ref.name}) and full name
 * ({@code io.containerd.image.name}).
 *
 * <p>A directory is written under a temporary name and renamed into place when complete; a tar is
 * written to a temporary file and renamed likewise. Manifests and blobs are copied byte for byte,
 * so digests are unchanged.
 */
public final class OciLayoutExporter {

    public static final String LAYOUT_FILE = "{\"imageLayoutVersion\":\"1.0.0\"}";

    private final ImageStore images;
    private final ContentStore content;

    public OciLayoutExporter(ImageStore images) {
        this.images = images;
        this.content = images.content();
    }

    /** Exports to a new directory {@code dir} (which must not exist or be empty). */
    public void exportDirectory(List<ImageReference> names, Path dir) throws IOException {
        Plan plan = plan(names, "export to " + dir);
        if (Files.exists(dir)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                if (entries.iterator().hasNext()) {
                    throw new FailedPreconditionException("export to " + dir + ": the directory is not empty");
                }
            }
        }
        Path parent = dir.toAbsolutePath().getParent();
        Path temp = Files.createTempDirectory(parent, "." + dir.getFileName() + ".export-");
        try {
            Files.writeString(temp.resolve("oci-layout"), LAYOUT_FILE, StandardCharsets.UTF_8);
            for (Digest digest : plan.blobs) {
                Path target = Files.createDirectories(temp.resolve("blobs").resolve(digest.algorithm())).resolve(digest.hex());
                Files.copy(content.blobPath(digest), target, StandardCopyOption.REPLACE_EXISTING);
                target.toFile().setWritable(true, true);
            }
            Files.write(temp.resolve("index.json"), plan.index);
            if (Files.exists(dir)) {
                Files.delete(dir); // empty, checked above
            }
            Files.move(temp, dir, StandardCopyOption.ATOMIC_MOVE);
            AtomicFiles.syncDirectory(parent);
        } finally {
            deleteTree(temp);
        }
    }

    /** Exports to a tar file {@code tar} (replaced if it exists). */
    public void exportTar(List<ImageReference> names, Path tar) throws IOException {
        Plan plan = plan(names, "export to " + tar);
        Path parent = tar.toAbsolutePath().getParent();
        Path temp = Files.createTempFile(parent, "." + tar.getFileName(), ".tmp");
        try {
            try (OutputStream file = Files.newOutputStream(temp);
                 TarArchiveOutputStream out = new TarArchiveOutputStream(file, "UTF-8")) {
                out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                addFile(out, "oci-layout", LAYOUT_FILE.getBytes(StandardCharsets.UTF_8));
                Set<String> dirs = new LinkedHashSet<>();
                for (Digest digest : plan.blobs) {
                    if (dirs.add("blobs/")) {
                        addDir(out, "blobs/");
                    }
                    if (dirs.add("blobs/" + digest.algorithm() + "/")) {
                        addDir(out, "blobs/" + digest.algorithm() + "/");
                    }
                    TarArchiveEntry entry = new TarArchiveEntry("blobs/" + digest.algorithm() + "/" + digest.hex());
                    entry.setSize(Files.size(content.blobPath(digest)));
                    entry.setMode(0100644);
                    out.putArchiveEntry(entry);
                    try (InputStream in = content.open(digest)) {
                        in.transferTo(out);
                    }
                    out.closeArchiveEntry();
                }
                addFile(out, "index.json", plan.index);
                out.finish();
            }
            Files.move(temp, tar, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static void addFile(TarArchiveOutputStream out, String name, byte[] bytes) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(bytes.length);
        entry.setMode(0100644);
        out.putArchiveEntry(entry);
        out.write(bytes);
        out.closeArchiveEntry();
    }

    private static void addDir(TarArchiveOutputStream out, String name) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setMode(040755);
        out.putArchiveEntry(entry);
        out.closeArchiveEntry();
    }

    /** What to write: the blobs (in a stable order) and the bytes of index.json. */
    private record Plan(Set<Digest> blobs, byte[] index) {
    }

    private Plan plan(List<ImageReference> names, String where) throws IOException {
        if (names.isEmpty()) {
            throw new IllegalArgumentException(where + ": no image named");
        }
        Set<Digest> blobs = new LinkedHashSet<>();
        Map<String, Descriptor> entries = new LinkedHashMap<>();
        for (ImageReference name : names) {
            ImageStore.Image image = images.get(name);
            collect(image.target(), blobs, where + ": " + name, 0);
            Map<String, String> annotations = new LinkedHashMap<>();
            annotations.put("io.containerd.image.name", name.toString());
            if (name.hasTag()) {
                annotations.put("org.opencontainers.image.ref.name", name.tag());
            }
            Descriptor target = image.target();
            entries.put(name.toString(), Descriptor.of(target.mediaType(), target.digest(), target.size())
                    .withAnnotations(annotations));
        }
        byte[] index = OciJson.write(ImageIndex.oci(new ArrayList<>(entries.values())));
        return new Plan(blobs, index);
    }

    private void collect(Descriptor descriptor, Set<Digest> blobs, String where, int depth) throws IOException {
        blobs.add(descriptor.digest());
        Parsed<ManifestDocument> doc = images.document(descriptor);
        if (doc.value() instanceof ImageIndex index) {
            for (Descriptor child : index.manifests()) {
                if (!MediaTypes.isManifestOrIndex(child.mediaType())) {
                    continue;
                }
                if (!content.exists(child.digest()) || depth > 4) {
                    throw new FailedPreconditionException(where + ": the index lists " + child.digest()
                            + (child.platform() == null ? "" : " (" + child.platform() + ")")
                            + " which is not in the content store; export that platform's manifest instead");
                }
                collect(child, blobs, where, depth + 1);
            }
        } else if (doc.value() instanceof ImageManifest manifest) {
            blobs.add(manifest.config().digest());
            for (Descriptor layer : manifest.layers()) {
                blobs.add(layer.digest());
            }
            for (Digest digest : blobs) {
                if (!content.exists(digest)) {
                    throw new FailedPreconditionException(where + ": blob " + digest + " is not in the content store");
                }
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
