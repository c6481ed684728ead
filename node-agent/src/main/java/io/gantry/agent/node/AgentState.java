package io.gantry.agent.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The one fact the agent keeps about itself across restarts: the highest scheduler epoch it has
 * accepted ({@code <data>/state/epoch}), so a restarted agent still refuses a deposed scheduler.
 */
public final class AgentState {

    private final Path file;

    public AgentState(Path stateDir) {
        this.file = stateDir.resolve("epoch");
    }

    public long epoch() {
        try {
            return Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).trim());
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("unreadable agent state " + file + ": " + e.getMessage(), e);
        }
    }

    public void writeEpoch(long epoch) {
        Path tmp = file.resolveSibling(".epoch.tmp");
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(tmp, Long.toString(epoch) + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("write " + file, e);
        }
    }
}
