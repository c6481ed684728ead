package io.gantry.agent.image;

import java.util.List;

/**
 * What a pull left on the node.
 *
 * @param reference   the image's name as stored
 * @param digest      what the name points at (the manifest, or the index it was chosen from)
 * @param manifest    the image manifest for this node's platform
 * @param chainId     the ChainID of the whole layer stack: the committed snapshot to prepare
 *                    containers from (null for an image without layers)
 * @param layers      the image's layers, base first
 * @param size        bytes of the layer blobs
 * @param seconds     wall time of the pull
 * @param snapshotter "overlay" or "copy"
 */
public record PullResult(String reference, String digest, String manifest, String chainId, List<String> layers,
                         long size, double seconds, String snapshotter) {
    public PullResult {
        layers = List.copyOf(layers);
    }
}
