package io.gantry.agent.bundle;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes bundle files atomically: a temp name in the same directory, then a rename. */
public final class BundleFiles {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private BundleFiles() {
    }

    public static Path writeConfig(Path bundleDir, OciSpec spec) throws IOException {
        return writeAtomically(bundleDir.resolve("config.json"), JSON.writeValueAsBytes(spec));
    }

    public static OciSpec readConfig(Path bundleDir) throws IOException {
        return JSON.readValue(bundleDir.resolve("config.json").toFile(), OciSpec.class);
    }

    public static Path writeAtomically(Path target, byte[] content) throws IOException {
        Files.createDirectories(target.toAbsolutePath().getParent());
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        Files.write(tmp, content);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }
}
