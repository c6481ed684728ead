package io.gantry.protocol.job;

/**
 * How the scheduler scores nodes that fit: {@code binpack} (the default) prefers the fullest
 * node so that whole nodes stay free; {@code spread} prefers the emptiest so that load and
 * failures are spread.
 */
public enum PlacementStrategy {
    BINPACK("binpack"), SPREAD("spread");

    private final String text;

    PlacementStrategy(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    /** The strategy named {@code text}, or null. */
    public static PlacementStrategy fromText(String text) {
        for (PlacementStrategy s : values()) {
            if (s.text.equals(text)) {
                return s;
            }
        }
        return null;
    }
}
