package io.gantry.layercache.peer;

import io.gantry.protocol.oci.Digest;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * A fixed list of peers from configuration ({@code gantry.images.peers}), asked for every digest
 * in the configured order. A peer without the blob answers 404 at the cost of one round trip.
 */
public final class StaticPeerDirectory implements PeerDirectory {

    private final List<URI> peers;

    public StaticPeerDirectory(List<URI> peers) {
        List<URI> checked = new ArrayList<>();
        for (URI peer : peers) {
            checked.add(check(peer));
        }
        this.peers = List.copyOf(checked);
    }

    /** Parses base URLs such as {@code http://10.0.0.3:7070}; a bad one fails naming it. */
    public static StaticPeerDirectory parse(List<String> urls) {
        List<URI> peers = new ArrayList<>();
        for (String url : urls) {
            try {
                peers.add(URI.create(url.trim()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("peer '" + url + "' is not a URL: " + e.getMessage(), e);
            }
        }
        return new StaticPeerDirectory(peers);
    }

    private static URI check(URI peer) {
        String scheme = peer.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || peer.getHost() == null) {
            throw new IllegalArgumentException("peer '" + peer + "' must be an http(s) base URL such as http://10.0.0.3:7070");
        }
        String path = peer.getRawPath();
        if (path != null && !path.isEmpty() && !path.equals("/")) {
            throw new IllegalArgumentException("peer '" + peer + "' must not have a path: peers serve blobs at /v2/");
        }
        return URI.create(scheme + "://" + peer.getRawAuthority());
    }

    public List<URI> peers() {
        return peers;
    }

    @Override
    public List<URI> peersFor(Digest digest) {
        return peers;
    }
}
