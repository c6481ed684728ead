package io.gantry.agent.supervision;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.protocol.serialization.GantryJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent's records of its containers, one JSON file per container under
 * {@code <data>/state/containers/}. A write goes to a temp name in the same directory and is
 * renamed over the old file, so a crash at any moment leaves the old record or the new one,
 * never half of one. (No fsync: the agent's failure to guard against is its own death, which a
 * rename survives; a machine that loses power loses its containers too.)
 *
 * <p>Thread-safe for distinct ids; each container's supervisor is the only writer of its record.
 */
public final class ContainerRecords {

    private static final Logger LOG = LoggerFactory.getLogger(ContainerRecords.class);
    private static final ObjectMapper JSON = GantryJson.newMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path dir;

    public ContainerRecords(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(this.dir);
        } catch (IOException e) {
            throw new UncheckedIOException("create " + this.dir, e);
        }
    }

    public Path directory() {
        return dir;
    }

    public void write(ContainerRecord record) {
        Path target = file(record.id());
        Path tmp = dir.resolve("." + record.id() + ".json.tmp");
        try {
            Files.write(tmp, JSON.writeValueAsBytes(record));
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("write container record " + target, e);
        }
    }

    public void delete(String id) {
        try {
            Files.deleteIfExists(file(id));
        } catch (IOException e) {
            throw new UncheckedIOException("delete container record " + file(id), e);
        }
    }

    /** Every readable record; unreadable ones are logged and set aside as {@code <id>.json.bad}. */
    public List<ContainerRecord> readAll() {
        List<ContainerRecord> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                String n = p.getFileName().toString();
                if (n.startsWith(".") && n.endsWith(".tmp")) {
                    Files.deleteIfExists(p); // a write the agent did not finish
                    continue;
                }
                if (!n.endsWith(".json")) {
                    continue;
                }
                try {
                    out.add(JSON.readValue(p.toFile(), ContainerRecord.class));
                } catch (IOException e) {
                    LOG.error("container record {} is unreadable, set aside: {}", p, e.getMessage());
                    Files.move(p, p.resolveSibling(n + ".bad"), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("read container records in " + dir, e);
        }
        return out;
    }

    private Path file(String id) {
        return dir.resolve(id + ".json");
    }
}
