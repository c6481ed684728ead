package io.gantry.agent.image;

import io.gantry.protocol.oci.Digest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * OCI ChainIDs (image spec, config.md): the identity of a stack of layers, base first.
 * {@code chainid(0) = diffid(0)}, {@code chainid(n) = sha256(chainid(n-1) + " " + diffid(n))}.
 * The committed snapshot of a stack is named by its ChainID, as containerd names them, so two
 * images that share their bottom layers share those snapshots.
 */
public final class ChainIds {

    private ChainIds() {
    }

    /** The ChainID of each prefix of {@code diffIds}: element i names layers 0..i. */
    public static List<Digest> of(List<Digest> diffIds) {
        List<Digest> chain = new ArrayList<>(diffIds.size());
        Digest previous = null;
        for (Digest diffId : diffIds) {
            previous = previous == null ? diffId
                    : Digest.sha256((previous + " " + diffId).getBytes(StandardCharsets.UTF_8));
            chain.add(previous);
        }
        return chain;
    }

    /** The ChainID of the whole stack, or null for an image without layers. */
    public static Digest top(List<Digest> diffIds) {
        List<Digest> chain = of(diffIds);
        return chain.isEmpty() ? null : chain.get(chain.size() - 1);
    }
}
