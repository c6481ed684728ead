package io.gantry.layercache.testing;

import com.typesafe.config.ConfigFactory;
import io.gantry.layercache.content.ContentStore;
import io.gantry.layercache.peer.PeerBlobRoute;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

import java.net.URI;
import java.util.concurrent.TimeUnit;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;

/**
 * One agent's peer blob route ({@link PeerBlobRoute}) over a content store, on a free loopback
 * port, behind a bearer-token check like the node's API: what a second node fetches from in peer
 * tests. {@link #close} unbinds and stops its actor system (a peer dying mid-download is a
 * {@link RegistryProxy} in front cutting the connection).
 */
public final class PeerServer implements AutoCloseable {

    private final ActorSystem system;
    private final ServerBinding binding;

    private PeerServer(ActorSystem system, ServerBinding binding) {
        this.system = system;
        this.binding = binding;
    }

    public static PeerServer start(ContentStore content, String token) throws Exception {
        ActorSystem system = ActorSystem.create("peer", ConfigFactory.parseString(
                "pekko.loglevel = WARNING\npekko.stdout-loglevel = WARNING").withFallback(ConfigFactory.load()));
        try {
            Route route = PeerBlobRoute.route(content, inner -> extractRequest(request -> {
                boolean ok = request.getHeader("Authorization").map(h -> h.value().equals("Bearer " + token)).orElse(false);
                return ok ? inner.get() : complete(HttpResponse.create().withStatus(StatusCodes.UNAUTHORIZED)
                        .addHeader(org.apache.pekko.http.javadsl.model.headers.RawHeader.create("WWW-Authenticate",
                                "Bearer realm=\"gantry\"")));
            }));
            ServerBinding binding = Http.get(system).newServerAt("127.0.0.1", 0).bind(route)
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            return new PeerServer(system, binding);
        } catch (Exception e) {
            system.terminate();
            throw e;
        }
    }

    public String hostPort() {
        return "127.0.0.1:" + binding.localAddress().getPort();
    }

    public URI uri() {
        return URI.create("http://" + hostPort());
    }

    @Override
    public void close() {
        try {
            binding.unbind().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // the actor system going away closes it anyway
        }
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // best effort in tests
        }
    }
}
