package io.gantry.ops.node.images;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.gantry.agent.image.ImageService;
import io.gantry.layercache.distribution.RegistryCredentials;
import io.gantry.layercache.distribution.RegistryOptions;
import io.gantry.layercache.peer.StaticPeerDirectory;
import io.gantry.scheduler.api.ApiModule;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An agent node's images, wired into the server: the {@link ImageService} over the node's data
 * directory, configured from {@code gantry.images { … }}, and the two API modules it serves
 * (the image API and the peer registry). {@link #close} stops them with the node.
 *
 * <pre>
 * gantry.images {
 *   gc-budget = 20 GiB          # what blobs + unpacked layers may use after a gc
 *   snapshotter = auto          # auto (overlay where it works, else copy), overlay, copy
 *   peers = []                  # other agents' API URLs, asked for layers before the registry
 *   registry-concurrency = 3    # layers downloaded at once per pull
 *   registry-auth-file = ""     # Docker-style auth.json with registry credentials
 * }
 * </pre>
 */
public final class NodeImages implements AutoCloseable {

    private final ImageService service;
    private final ExecutorService blocking;

    private NodeImages(ImageService service, ExecutorService blocking) {
        this.service = service;
        this.blocking = blocking;
    }

    /** Opens the image service of {@code dataDir}; {@code token} is the cluster token peers present. */
    public static NodeImages open(Config config, Path dataDir, String token) throws IOException {
        Config c = config.getConfig("gantry.images");
        StaticPeerDirectory peers;
        try {
            peers = StaticPeerDirectory.parse(c.getStringList("peers"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue(c.origin(), "gantry.images.peers", e.getMessage());
        }
        RegistryOptions registry = RegistryOptions.defaults().withConcurrency(c.getInt("registry-concurrency"));
        String authFile = c.getString("registry-auth-file").trim();
        if (!authFile.isEmpty()) {
            registry = registry.withCredentials(RegistryCredentials.load(Path.of(authFile)));
        }
        ImageService.Options options;
        try {
            options = ImageService.Options.defaults()
                    .withRegistry(registry)
                    .withGcBudget(c.getBytes("gc-budget"))
                    .withSnapshotter(c.getString("snapshotter"))
                    .withPeers(peers, token);
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue(c.origin(), "gantry.images", e.getMessage());
        }
        AtomicInteger n = new AtomicInteger();
        ExecutorService blocking = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "gantry-images-api-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            return new NodeImages(ImageService.open(dataDir, options), blocking);
        } catch (IOException | RuntimeException e) {
            blocking.shutdownNow();
            throw e;
        }
    }

    public ImageService service() {
        return service;
    }

    /** The image API and the peer registry ({@code /v2/}). */
    public List<ApiModule> modules() {
        return List.of(new ImageModule(service, blocking), new PeerBlobModule(service.content()));
    }

    @Override
    public void close() {
        blocking.shutdownNow();
        service.close();
    }
}
