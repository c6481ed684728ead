package io.gantry.agent.image;

import io.gantry.agent.posix.FileTrees;
import io.gantry.agent.unpack.LayerUnpacker;
import io.gantry.layercache.content.GcParticipant;
import io.gantry.layercache.content.Leases;
import io.gantry.protocol.oci.Digest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Unpacked layers ({@code layers/<diff-id>/}) as a {@link GcParticipant} of the content store's
 * gc: counted against the same byte budget, and removable when no lease holds their diff id.
 * Images lease their diff ids, and so do containers ({@code container/<id>}) and mounted
 * snapshots ({@code mount/<dir>}) for the image they were made from, so nothing a running
 * container or a mount stands on is a candidate. A layer a pull is fetching right now is never
 * one either. Before a layer goes, the committed snapshots no tagged image names any more are
 * pruned ({@code pruneChains}), so no snapshot is left pointing at a removed directory.
 *
 * <p>A layer's size is measured once (layers are immutable) and cached; its last use is when
 * this agent last pulled, mounted or prepared from it, or the directory's mtime after a restart.
 */
final class LayerGc implements GcParticipant {

    private final LayerUnpacker unpacker;
    private final Leases leases;
    private final Map<Digest, ?> inFlight;
    private final Runnable pruneChains;
    private final Map<Digest, Long> sizes = new ConcurrentHashMap<>();
    private final Map<Digest, Instant> lastUsed = new ConcurrentHashMap<>();

    LayerGc(LayerUnpacker unpacker, Leases leases, Map<Digest, ?> inFlight, Runnable pruneChains) {
        this.unpacker = unpacker;
        this.leases = leases;
        this.inFlight = inFlight;
        this.pruneChains = pruneChains;
    }

    void used(Digest diffId) {
        lastUsed.put(diffId, Instant.now());
    }

    @Override
    public String name() {
        return "layers";
    }

    @Override
    public long usage() throws IOException {
        long total = 0;
        for (Digest diffId : unpacker.list()) {
            total += size(diffId);
        }
        return total;
    }

    @Override
    public List<Candidate> candidates(Set<Digest> leased) throws IOException {
        List<Candidate> out = new ArrayList<>();
        for (Digest diffId : unpacker.list()) {
            if (leased.contains(diffId) || inFlight.containsKey(diffId)) {
                continue;
            }
            out.add(new Candidate(diffId.toString(), size(diffId), lastUse(diffId)));
        }
        return out;
    }

    @Override
    public long remove(Candidate candidate) throws IOException {
        Digest diffId = Digest.parse(candidate.id());
        // a pull may have leased or started it since the candidates were listed
        if (inFlight.containsKey(diffId) || leases.leased().contains(diffId)) {
            return 0;
        }
        pruneChains.run();
        long size = size(diffId);
        if (!unpacker.remove(diffId)) {
            return 0;
        }
        sizes.remove(diffId);
        lastUsed.remove(diffId);
        return size;
    }

    private long size(Digest diffId) throws IOException {
        Long known = sizes.get(diffId);
        if (known != null) {
            return known;
        }
        long measured = FileTrees.usage(unpacker.directory(diffId))[0];
        sizes.put(diffId, measured);
        return measured;
    }

    private Instant lastUse(Digest diffId) throws IOException {
        Instant known = lastUsed.get(diffId);
        if (known != null) {
            return known;
        }
        Path dir = unpacker.directory(diffId);
        try {
            return Files.getLastModifiedTime(dir).toInstant();
        } catch (NoSuchFileException e) {
            return Instant.EPOCH;
        }
    }
}
