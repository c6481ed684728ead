package io.gantry.ops.node.containers;

import io.gantry.scheduler.api.Problem;
import io.gantry.scheduler.api.ProblemException;
import io.gantry.scheduler.api.jobs.AllocationLogs;
import io.gantry.scheduler.view.AllocationView;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import io.gantry.scheduler.api.ApiJson;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.stream.javadsl.Framing;
import org.apache.pekko.stream.javadsl.FramingTruncation;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.HttpCredentials;

import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * An allocation's log, from the agent of the node it runs on: the allocation's container (its
 * id is the allocation's) at {@code GET <node address>/v1/containers/<id>/logs}, passed on as it
 * streams, as the plain text the allocation wrote (the node's json-file entries unwrapped, stdout
 * and stderr in the order they were read). The nodes of a cluster share the API token. An
 * unreachable node is a 502.
 */
public final class NodeAllocationLogs implements AllocationLogs {

    private final ActorSystem<?> system;
    private final String token;

    public NodeAllocationLogs(ActorSystem<?> system, String token) {
        this.system = system;
        this.token = token;
    }

    @Override
    public CompletionStage<HttpResponse> logs(AllocationView allocation, boolean follow, OptionalInt tail) {
        if (allocation.nodeAddress().isEmpty()) {
            return CompletableFuture.failedFuture(new ProblemException(Problem.conflict("allocation " + allocation.id()
                    + " is " + allocation.state() + " and on no node yet: it has no log")));
        }
        String address = allocation.nodeAddress().get();
        StringBuilder uri = new StringBuilder(address).append("/v1/containers/").append(allocation.id()).append("/logs?follow=")
                .append(follow);
        tail.ifPresent(n -> uri.append("&tail=").append(n));
        HttpRequest request = HttpRequest.GET(uri.toString())
                .addCredentials(HttpCredentials.createOAuth2BearerToken(token));
        return Http.get(system).singleRequest(request).handle((response, error) -> {
            if (error != null) {
                throw new ProblemException(Problem.of(502, "urn:gantry:problem:bad-gateway", "Node unreachable",
                        "the agent of node " + allocation.node().orElse("?") + " at " + address + " did not answer: "
                                + error.getMessage()));
            }
            if (response.status().intValue() == 404) {
                response.discardEntityBytes(system);
                throw new ProblemException(Problem.notFound("node " + allocation.node().orElse("?")
                        + " has no container for allocation " + allocation.id() + " (removed, or never started there)"));
            }
            if (!response.status().isSuccess()) {
                return response; // the node's problem+json, as it is
            }
            return response.withEntity(HttpEntities.createChunked(ContentTypes.TEXT_PLAIN_UTF8,
                    response.entity().getDataBytes()
                            .via(Framing.delimiter(ByteString.fromString("\n"), MAX_LINE, FramingTruncation.ALLOW))
                            .map(NodeAllocationLogs::text)));
        });
    }

    /** The longest json-file line passed on (the agent splits longer output into partial entries). */
    private static final int MAX_LINE = 1 << 20;

    private static ByteString text(ByteString line) {
        try {
            return ByteString.fromString(ApiJson.MAPPER.readTree(line.toArray()).path("log").asText(), "UTF-8");
        } catch (java.io.IOException e) {
            return line.concat(ByteString.fromString("\n"));
        }
    }
}
