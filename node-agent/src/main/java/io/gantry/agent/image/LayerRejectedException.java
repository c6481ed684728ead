package io.gantry.agent.image;

import io.gantry.agent.unpack.LayerFormatException;
import io.gantry.agent.unpack.UnsafeLayerEntryException;
import io.gantry.protocol.oci.Digest;
import io.gantry.protocol.oci.ImageReference;

/**
 * A layer of an image that Gantry refuses to use, whoever serves it: an entry that would reach
 * outside the layer, content that does not hash to the config's diff id, or no readable tar.
 * Names the image, the layer (blob digest and diff id) and, for an unsafe entry, the entry. No
 * other source is tried: the blob's own digest was right, so every copy is the same.
 */
public class LayerRejectedException extends LayerFormatException {
    private final ImageReference image;
    private final Digest layer;
    private final Digest diffId;
    private final String entry;

    public LayerRejectedException(ImageReference image, Digest layer, Digest diffId, LayerFormatException cause) {
        super("image " + image + ": layer " + layer + " (diff id " + diffId + ") refused: " + cause.getMessage(), cause);
        this.image = image;
        this.layer = layer;
        this.diffId = diffId;
        this.entry = cause instanceof UnsafeLayerEntryException unsafe ? unsafe.entry() : null;
    }

    public ImageReference image() {
        return image;
    }

    public Digest layer() {
        return layer;
    }

    public Digest diffId() {
        return diffId;
    }

    /** The refused entry's name, or null when the whole layer is wrong (diff id, format). */
    public String entry() {
        return entry;
    }

    public boolean unsafeEntry() {
        return entry != null;
    }
}
