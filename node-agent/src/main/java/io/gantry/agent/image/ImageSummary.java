package io.gantry.agent.image;

/**
 * One row of {@code gantry image ls}.
 *
 * @param reference the image's full name
 * @param digest    what the name points at (manifest or index)
 * @param created   the config's creation time (ISO-8601), or null when it has none
 * @param size      bytes of the layer blobs of this node's platform (-1 when that manifest is not here)
 * @param layers    number of layers (-1 likewise)
 * @param tagged    when the name was last pointed at this digest (ISO-8601)
 */
public record ImageSummary(String reference, String digest, String created, long size, int layers, String tagged) {
}
