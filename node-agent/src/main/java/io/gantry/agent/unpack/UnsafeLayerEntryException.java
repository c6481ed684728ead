package io.gantry.agent.unpack;

/**
 * A layer entry that would reach outside the layer's directory (or do something a layer may
 * not do). The message names the layer and the entry; the caller adds the image.
 */
public class UnsafeLayerEntryException extends LayerFormatException {
    private final String entry;

    public UnsafeLayerEntryException(String layer, String entry, String reason) {
        super("layer " + layer + ": entry '" + entry + "': " + reason);
        this.entry = entry;
    }

    public String entry() {
        return entry;
    }
}
