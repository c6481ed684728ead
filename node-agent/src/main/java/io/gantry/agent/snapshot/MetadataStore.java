package io.gantry.agent.snapshot;

import io.gantry.protocol.oci.Digest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Snapshot records, one small properties file each ({@code metadata/<sha256 of name>}), written
 * to a temporary name and renamed (flushed first when durable): a record is either absent or
 * whole after the agent's own crash, and a durable one also after the machine's. A record that
 * a machine crash left unreadable (one that was not flushed) is set aside as {@code .bad-<file>}
 * at start, with a warning, and its snapshot is then unknown.
 * All records are held in memory; the files are only read at start.
 */
final class MetadataStore {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MetadataStore.class);

    private final Path dir;
    private final Map<String, SnapshotRecord> records = new LinkedHashMap<>();

    MetadataStore(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                String file = p.getFileName().toString();
                if (file.startsWith(".tmp-")) {
                    Files.deleteIfExists(p);
                    continue;
                }
                if (file.startsWith(".")) {
                    continue;
                }
                SnapshotRecord r;
                try {
                    r = read(p);
                } catch (IOException | RuntimeException e) {
                    Path aside = p.resolveSibling(".bad-" + file);
                    LOG.warn("snapshot record {} is unreadable ({}); set aside as {}", p, e.getMessage(), aside);
                    Files.move(p, aside, StandardCopyOption.REPLACE_EXISTING);
                    continue;
                }
                records.put(r.name(), r);
            }
        }
        resolveInterruptedCommits();
    }

    /**
     * A commit writes the committed record, then deletes the active one; a crash between leaves
     * both naming one directory. The commit had happened: the active record goes.
     */
    private void resolveInterruptedCommits() throws IOException {
        Map<String, SnapshotRecord> committedById = new java.util.HashMap<>();
        for (SnapshotRecord r : records.values()) {
            if (r.id() != null && r.kind() == SnapshotInfo.Kind.COMMITTED) {
                committedById.put(r.id(), r);
            }
        }
        for (SnapshotRecord r : List.copyOf(records.values())) {
            if (r.id() != null && r.kind() != SnapshotInfo.Kind.COMMITTED && committedById.containsKey(r.id())) {
                delete(r.name());
            }
        }
    }

    SnapshotRecord get(String name) {
        return records.get(name);
    }

    Collection<SnapshotRecord> all() {
        return List.copyOf(records.values());
    }

    boolean hasChildren(String name) {
        for (SnapshotRecord r : records.values()) {
            if (name.equals(r.parent())) {
                return true;
            }
        }
        return false;
    }

    void put(SnapshotRecord r) throws IOException {
        put(r, r.kind() == SnapshotInfo.Kind.COMMITTED);
    }

    /**
     * Writes {@code r}; flushed to disk when {@code durable}. Committed snapshots are layers and
     * must survive the machine; an active or view snapshot belongs to a container or a mount,
     * which a machine crash ends anyway, and a re-creatable committed one is made again. The
     * rename keeps every write atomic against the agent's own death, and skipping the flush
     * keeps a disk round trip off every container start.
     */
    void put(SnapshotRecord r, boolean durable) throws IOException {
        Properties p = new Properties();
        p.setProperty("name", r.name());
        p.setProperty("kind", r.kind().name());
        if (r.parent() != null) {
            p.setProperty("parent", r.parent());
        }
        if (r.id() != null) {
            p.setProperty("id", r.id());
        }
        if (r.layer() != null) {
            p.setProperty("layer", r.layer());
        }
        p.setProperty("created", r.created().toString());
        for (int i = 0; i < r.stack().size(); i++) {
            p.setProperty("stack." + i, r.stack().get(i).toString());
        }
        Path file = fileOf(r.name());
        Path tmp = dir.resolve(".tmp-" + file.getFileName());
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
             OutputStream out = java.nio.channels.Channels.newOutputStream(ch)) {
            p.store(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), null);
            if (durable) {
                ch.force(true);
            }
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        records.put(r.name(), r);
    }

    /** Writes {@code next} and removes {@code previousName} (a commit renames a record). */
    void rename(String previousName, SnapshotRecord next) throws IOException {
        put(next);
        Files.deleteIfExists(fileOf(previousName));
        records.remove(previousName);
        records.put(next.name(), next);
    }

    void delete(String name) throws IOException {
        Files.deleteIfExists(fileOf(name));
        records.remove(name);
    }

    private Path fileOf(String name) {
        return dir.resolve(Digest.sha256(name.getBytes(StandardCharsets.UTF_8)).hex());
    }

    private static SnapshotRecord read(Path file) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
        }
        List<Path> stack = new ArrayList<>();
        for (int i = 0; p.getProperty("stack." + i) != null; i++) {
            stack.add(Path.of(p.getProperty("stack." + i)));
        }
        String name = p.getProperty("name");
        String kind = p.getProperty("kind");
        if (name == null || kind == null) {
            throw new IOException("snapshot record " + file + " is incomplete (no name or kind)");
        }
        return new SnapshotRecord(name, SnapshotInfo.Kind.valueOf(kind), p.getProperty("parent"),
                p.getProperty("id"), Instant.parse(p.getProperty("created")), p.getProperty("layer"), stack);
    }
}
