package io.gantry.protocol.job;

/**
 * The network namespace of a job's containers: the node's own ({@code host}) or a private one
 * with only loopback ({@code none}). Gantry has no overlay or bridge network.
 */
public enum NetworkMode {
    HOST("host"), NONE("none");

    private final String text;

    NetworkMode(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    /** The mode named {@code text}, or null. */
    public static NetworkMode fromText(String text) {
        for (NetworkMode m : values()) {
            if (m.text.equals(text)) {
                return m;
            }
        }
        return null;
    }
}
