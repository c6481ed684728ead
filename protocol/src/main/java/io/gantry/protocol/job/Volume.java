package io.gantry.protocol.job;

import java.util.Objects;

/**
 * Storage mounted into a job's containers at {@code target} (an absolute path inside the
 * container). A {@code bind} volume mounts a host directory ({@code source} is an absolute host
 * path); a {@code volume} is a named volume that Gantry keeps under the node's data directory
 * ({@code source} is its name) and that outlives the containers using it.
 */
public record Volume(Type type, String source, String target, boolean readOnly) {

    public enum Type {
        BIND("bind"), VOLUME("volume");

        private final String text;

        Type(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }

        /** The type named {@code text}, or null. */
        public static Type fromText(String text) {
            for (Type t : values()) {
                if (t.text.equals(text)) {
                    return t;
                }
            }
            return null;
        }
    }

    public Volume {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
    }

    public static Volume bind(String hostPath, String target, boolean readOnly) {
        return new Volume(Type.BIND, hostPath, target, readOnly);
    }

    public static Volume named(String name, String target, boolean readOnly) {
        return new Volume(Type.VOLUME, name, target, readOnly);
    }
}
