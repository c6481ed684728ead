package io.gantry.ops.node.images;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.layercache.content.ContentStore;
import io.gantry.layercache.peer.PeerBlobRoute;
import io.gantry.scheduler.api.ApiModule;
import io.gantry.scheduler.api.BearerTokenAuth;
import io.gantry.scheduler.api.Endpoint;
import io.gantry.scheduler.api.OpenApiDocument;
import org.apache.pekko.http.javadsl.server.Route;

import java.util.List;

/**
 * The agent's read-only registry for its peers ({@link PeerBlobRoute}): {@code GET /v2/} and
 * {@code GET|HEAD /v2/<repository>/blobs/<digest>}. Peers are inside the cluster and present
 * the cluster's API token, like any other API call: the blobs of private images must not leak
 * to whoever reaches the port. (Every node of a cluster shares one token, gantry.http.token.)
 */
public final class PeerBlobModule implements ApiModule {

    private final ContentStore content;

    public PeerBlobModule(ContentStore content) {
        this.content = content;
    }

    @Override
    public List<Endpoint> endpoints() {
        return List.of(
                Endpoint.withToken("GET", "/v2/"),
                Endpoint.withToken("GET", "/v2/{name}/blobs/{digest}"),
                Endpoint.withToken("HEAD", "/v2/{name}/blobs/{digest}"));
    }

    @Override
    public Route route(BearerTokenAuth auth) {
        return PeerBlobRoute.route(content, auth::require);
    }

    @Override
    public JsonNode openApiFragment() {
        return OpenApiDocument.load(PeerBlobModule.class, "peer-blobs.openapi.json");
    }
}
