package io.gantry.agent.snapshot;

import java.nio.file.Path;

/**
 * One path changed in a writable layer, as {@code docker diff} prints it ("A /etc/new").
 *
 * @param path   absolute in the container ("/etc/new")
 * @param source the file in the writable layer that holds the new state; null for a deletion
 * @param opaque for a directory: its content replaces, rather than merges with, what lies below
 */
public record Change(Kind kind, String path, Path source, boolean opaque) {
    public enum Kind {
        ADDED('A'), CHANGED('C'), DELETED('D');

        private final char letter;

        Kind(char letter) {
            this.letter = letter;
        }

        public char letter() {
            return letter;
        }
    }

    @Override
    public String toString() {
        return kind.letter() + " " + path;
    }
}
