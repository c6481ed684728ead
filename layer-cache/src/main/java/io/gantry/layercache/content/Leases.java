package io.gantry.layercache.content;

import io.gantry.protocol.oci.Digest;

import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Named sets of digests that garbage collection must keep, as containerd's leases: one per image
 * ("image/localhost:5000/app:1"), one per container, one for a build in progress. A digest may name
 * a blob or anything a {@link GcParticipant} keys by digest (an unpacked layer's diff id).
 *
 * <p>Each lease is a small text file under {@code leases/} (one digest a line), rewritten through a
 * temp file and an atomic rename, so a crash leaves either the old or the new set. Whoever writes
 * blobs that must survive a gc adds them to a lease <em>before</em> committing them.
 */
public final class Leases {

    /** One lease: its name and the digests it holds. */
    public record Lease(String name, SortedSet<Digest> digests) {
        public Lease {
            digests = Collections.unmodifiableSortedSet(new TreeSet<>(digests));
        }
    }

    private final Path dir;
    private final AtomicLong version = new AtomicLong();

    Leases(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
    }

    /** Replaces the lease's digests (creating the lease). */
    public synchronized Lease put(String name, Collection<Digest> digests) throws IOException {
        Lease lease = new Lease(name, new TreeSet<>(digests));
        write(lease);
        return lease;
    }

    /** Adds digests to the lease (creating it); existing ones stay. */
    public synchronized Lease add(String name, Collection<Digest> digests) throws IOException {
        TreeSet<Digest> all = new TreeSet<>(get(name).map(Lease::digests).orElse(Collections.emptySortedSet()));
        if (all.addAll(digests) || !Files.exists(file(name))) {
            write(new Lease(name, all));
        }
        return new Lease(name, all);
    }

    public synchronized Optional<Lease> get(String name) throws IOException {
        Path file = file(name);
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        TreeSet<Digest> digests = new TreeSet<>();
        for (String line : lines) {
            String trimmed = line.strip();
            if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
                try {
                    digests.add(Digest.parse(trimmed));
                } catch (IllegalArgumentException e) {
                    throw new IOException("lease file " + file + ": " + e.getMessage(), e);
                }
            }
        }
        return Optional.of(new Lease(name, digests));
    }

    /** Deletes the lease; its digests become collectable unless another lease holds them. */
    public synchronized boolean delete(String name) throws IOException {
        boolean deleted = Files.deleteIfExists(file(name));
        version.incrementAndGet();
        return deleted;
    }

    /** Grows with every change made through this object: lets gc notice a lease taken meanwhile. */
    public long version() {
        return version.get();
    }

    public synchronized List<Lease> list() throws IOException {
        List<Lease> leases = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*.lease")) {
            for (Path entry : entries) {
                String encoded = entry.getFileName().toString();
                String name = URLDecoder.decode(encoded.substring(0, encoded.length() - ".lease".length()),
                        StandardCharsets.UTF_8);
                get(name).ifPresent(leases::add);
            }
        }
        leases.sort((a, b) -> a.name().compareTo(b.name()));
        return leases;
    }

    /** Every digest held by any lease: what gc must keep. */
    public synchronized Set<Digest> leased() throws IOException {
        Set<Digest> all = new TreeSet<>();
        for (Lease lease : list()) {
            all.addAll(lease.digests());
        }
        return all;
    }

    private void write(Lease lease) throws IOException {
        StringBuilder text = new StringBuilder("# gantry lease ").append(lease.name()).append('\n');
        for (Digest digest : lease.digests()) {
            text.append(digest).append('\n');
        }
        AtomicFiles.write(file(lease.name()), text.toString().getBytes(StandardCharsets.UTF_8));
        version.incrementAndGet();
    }

    private Path file(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("lease: a name is required");
        }
        return dir.resolve(URLEncoder.encode(name, StandardCharsets.UTF_8) + ".lease");
    }
}
