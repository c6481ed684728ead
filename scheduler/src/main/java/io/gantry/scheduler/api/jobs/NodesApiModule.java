package io.gantry.scheduler.api.jobs;

import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.scheduler.actor.SchedulerClient;
import io.gantry.scheduler.api.ApiModule;
import io.gantry.scheduler.api.BearerTokenAuth;
import io.gantry.scheduler.api.Endpoint;
import io.gantry.scheduler.api.OpenApiDocument;
import io.gantry.scheduler.view.NodeSummary;
import java.util.List;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The node inventory as the scheduler sees it: {@code GET /v1/nodes}, {@code GET /v1/nodes/{id}}
 * (with the allocations it holds) and {@code POST /v1/nodes/{id}/drain} (nothing new is placed
 * there; its allocations move elsewhere, each stopped once its replacement runs).
 */
public final class NodesApiModule implements ApiModule {

    private final SchedulerClient scheduler;

    public NodesApiModule(SchedulerClient scheduler) {
        this.scheduler = scheduler;
    }

    @Override
    public List<Endpoint> endpoints() {
        return List.of(
                Endpoint.withToken("GET", "/v1/nodes"),
                Endpoint.withToken("GET", "/v1/nodes/{nodeId}"),
                Endpoint.withToken("POST", "/v1/nodes/{nodeId}/drain"));
    }

    @Override
    public JsonNode openApiFragment() {
        return OpenApiDocument.load(NodesApiModule.class, "nodes.openapi.json");
    }

    @Override
    public Route route(BearerTokenAuth auth) {
        return pathPrefix("v1", () -> pathPrefix("nodes", () -> concat(
                pathEnd(() -> get(() -> auth.require(() ->
                        completeWithFuture(Replies.map(scheduler.nodes(), scheduler.timeout(),
                                nodes -> Replies.json(200, new NodeListBody(nodes))))))),
                pathPrefix(segment(), nodeId -> concat(
                        pathEnd(() -> get(() -> auth.require(() ->
                                completeWithFuture(Replies.map(scheduler.node(nodeId), scheduler.timeout(),
                                        node -> Replies.json(200, node.orElseThrow(() ->
                                                Replies.notFound("node " + nodeId + " is not registered")))))))),
                        path("drain", () -> post(() -> auth.require(() ->
                                completeWithFuture(Replies.map(scheduler.drain(nodeId), scheduler.timeout(),
                                        Replies::done))))))))));
    }

    record NodeListBody(List<NodeSummary> nodes) {
    }
}
