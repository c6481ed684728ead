package io.gantry.ops.node.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.agent.container.ContainerRequest;
import io.gantry.agent.container.ContainerService;
import io.gantry.agent.container.ContainerView;
import io.gantry.agent.logs.JsonFileLogReader;
import io.gantry.agent.logs.JsonLogFormat;
import io.gantry.agent.logs.LogEntry;
import io.gantry.scheduler.api.ApiJson;
import io.gantry.scheduler.api.ApiModule;
import io.gantry.scheduler.api.BearerTokenAuth;
import io.gantry.scheduler.api.Endpoint;
import io.gantry.scheduler.api.OpenApiDocument;
import io.gantry.scheduler.api.Problem;
import io.gantry.scheduler.api.ProblemException;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.delete;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.extractUri;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.parameterOptional;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.apache.pekko.http.javadsl.server.Directives.withoutRequestTimeout;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

/**
 * The node's container API, {@code /v1/containers…}, over the agent's {@link ContainerService}:
 * create-and-start ({@code ?wait=true} answers once the container has ended, with its exit),
 * list, inspect, logs (NDJSON of json-file entries, {@code follow} streams until the container
 * ends for good), stop, remove, diff and commit. A container is named by id, name or unique id
 * prefix; an ambiguous prefix is a 409. Bad input is a 400 listing every problem.
 */
public final class ContainerModule implements ApiModule {

    static final ContentType NDJSON = MediaTypes.applicationWithOpenCharset("x-ndjson").toContentType(HttpCharsets.UTF_8);

    private final ContainerService containers;

    public ContainerModule(ContainerService containers) {
        this.containers = containers;
    }

    @Override
    public List<Endpoint> endpoints() {
        return List.of(
                Endpoint.withToken("GET", "/v1/containers"),
                Endpoint.withToken("POST", "/v1/containers"),
                Endpoint.withToken("GET", "/v1/containers/{id}"),
                Endpoint.withToken("DELETE", "/v1/containers/{id}"),
                Endpoint.withToken("GET", "/v1/containers/{id}/logs"),
                Endpoint.withToken("POST", "/v1/containers/{id}/stop"),
                Endpoint.withToken("GET", "/v1/containers/{id}/diff"),
                Endpoint.withToken("POST", "/v1/containers/{id}/commit"));
    }

    @Override
    public JsonNode openApiFragment() {
        return OpenApiDocument.load(ContainerModule.class, "containers.openapi.json");
    }

    @Override
    public Route route(BearerTokenAuth auth) {
        return pathPrefix("v1", () -> pathPrefix("containers", () -> concat(
                pathEnd(() -> concat(
                        get(() -> auth.require(() -> parameterOptional("all", all -> list(all)))),
                        post(() -> auth.require(() -> parameterOptional("wait", wait -> body(b -> create(b, wait))))))),
                pathPrefix(segment(), id -> concat(
                        pathEnd(() -> concat(
                                get(() -> auth.require(() -> reply(containers.inspect(id), v -> ApiJson.ok(200, ContainerJson.view(v))))),
                                delete(() -> auth.require(() -> parameterOptional("force", force -> remove(id, force)))))),
                        path("logs", () -> get(() -> auth.require(() -> parameterOptional("follow", follow ->
                                parameterOptional("tail", tail -> logs(id, follow, tail)))))),
                        path("stop", () -> post(() -> auth.require(() -> parameterOptional("t", t -> stop(id, t))))),
                        path("diff", () -> get(() -> auth.require(() -> reply(containers.diff(id),
                                c -> ApiJson.ok(200, ContainerJson.changes(c)))))),
                        path("commit", () -> post(() -> auth.require(() -> body(b -> commit(id, b)))))))
        )));
    }

    // ---- the calls -------------------------------------------------------------------------

    private Route list(Optional<String> all) {
        return query("all", all, ContainerModule::bool, a -> reply(containers.list(a.orElse(false)), views -> {
            ObjectNode o = ApiJson.MAPPER.createObjectNode();
            views.forEach(v -> o.withArray("containers").add(ContainerJson.view(v)));
            if (views.isEmpty()) {
                o.putArray("containers");
            }
            return ApiJson.ok(200, o);
        }));
    }

    private Route create(JsonNode body, Optional<String> wait) {
        return query("wait", wait, ContainerModule::bool, w -> {
            ContainerRequest request;
            try {
                request = ContainerRequestJson.parse(body);
            } catch (ProblemException e) {
                return problem(e.problem());
            }
            if (!w.orElse(false)) {
                return reply(containers.create(request), v -> ApiJson.ok(201, ContainerJson.view(v))
                        .addHeader(Location.create("/v1/containers/" + v.id())));
            }
            // answered when the container has ended for good: no request timeout
            return withoutRequestTimeout(() -> reply(containers.run(request), v -> ApiJson.ok(200, ContainerJson.view(v))));
        });
    }

    private Route remove(String id, Optional<String> force) {
        return query("force", force, ContainerModule::bool, f -> reply(containers.remove(id, f.orElse(false)),
                done -> ApiJson.ok(200, ApiJson.MAPPER.createObjectNode().put("removed", id))));
    }

    private Route stop(String id, Optional<String> t) {
        return query("t", t, ContainerModule::seconds, grace -> withoutRequestTimeout(() ->
                reply(containers.stop(id, grace), v -> ApiJson.ok(200, ContainerJson.view(v)))));
    }

    private Route commit(String id, JsonNode body) {
        JsonNode ref = body.get("reference");
        JsonNode comment = body.get("comment");
        List<Problem.FieldError> errors = new java.util.ArrayList<>();
        body.fieldNames().forEachRemaining(f -> {
            if (!f.equals("reference") && !f.equals("comment")) {
                errors.add(new Problem.FieldError("$." + f, "unknown field; known fields are comment, reference"));
            }
        });
        if (ref == null || !ref.isTextual() || ref.asText().isBlank()) {
            errors.add(new Problem.FieldError("$.reference", "is required: the new image's name, e.g. localhost/app:2"));
        }
        if (comment != null && !comment.isNull() && !comment.isTextual()) {
            errors.add(new Problem.FieldError("$.comment", "must be a string"));
        }
        if (!errors.isEmpty()) {
            return problem(Problem.validation("the commit request has " + errors.size() + " problem(s)", errors));
        }
        Optional<String> note = comment == null || comment.isNull() ? Optional.empty() : Optional.of(comment.asText());
        return withoutRequestTimeout(() -> reply(containers.commit(id, ref.asText(), note), c -> {
            ObjectNode o = ApiJson.MAPPER.createObjectNode();
            o.put("reference", c.reference());
            o.put("digest", c.digest());
            o.putObject("layer").put("diffId", c.layerDiffId()).put("size", c.layerSize());
            return ApiJson.ok(201, o);
        }));
    }

    private Route logs(String id, Optional<String> follow, Optional<String> tail) {
        return query("follow", follow, ContainerModule::bool, f -> query("tail", tail, ContainerModule::tail, n -> {
            int lines = n.orElse(-1);
            CompletionStage<Source<ByteString, NotUsed>> source = containers.logs(id).thenApply(l -> f.orElse(false)
                    ? followed(l, lines)
                    : Source.lazySource(() -> Source.from(tailOf(l, lines))).mapMaterializedValue(x -> NotUsed.getInstance()));
            return withoutRequestTimeout(() -> reply(source, s -> HttpResponse.create()
                    .withEntity(HttpEntities.createChunked(NDJSON, s))));
        }));
    }

    private static List<ByteString> tailOf(ContainerService.ContainerLogs logs, int lines) {
        try {
            return new JsonFileLogReader(logs.file()).tail(lines).stream().map(ContainerModule::line).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("read the log of " + logs.container().id(), e);
        }
    }

    /**
     * The log from {@code tail} entries back, then what is written, until the container has ended
     * for good and its log is drained. Polled on Pekko's blocking dispatcher (unfoldResource).
     */
    private static Source<ByteString, NotUsed> followed(ContainerService.ContainerLogs logs, int tail) {
        CompletableFuture<ContainerView> ended = logs.ended().toCompletableFuture();
        return Source.unfoldResource(
                () -> new JsonFileLogReader(logs.file()).follow(tail),
                follower -> {
                    while (true) {
                        boolean done = ended.isDone();
                        List<LogEntry> got = follower.poll(Duration.ofMillis(done ? 0 : 250));
                        if (!got.isEmpty()) {
                            StringBuilder sb = new StringBuilder();
                            got.forEach(e -> sb.append(new String(JsonLogFormat.encode(e.stream(),
                                    e.log().getBytes(StandardCharsets.UTF_8), 0, e.log().getBytes(StandardCharsets.UTF_8).length,
                                    e.time()), StandardCharsets.UTF_8)));
                            return Optional.of(ByteString.fromString(sb.toString()));
                        }
                        if (done) {
                            return Optional.empty();
                        }
                    }
                },
                follower -> follower.close());
    }

    private static ByteString line(LogEntry e) {
        byte[] text = e.log().getBytes(StandardCharsets.UTF_8);
        return ByteString.fromArray(JsonLogFormat.encode(e.stream(), text, 0, text.length, e.time()));
    }

    // ---- plumbing --------------------------------------------------------------------------

    /** Completes with {@code answer}'s value as a response, or its error as a problem. */
    private static <T> Route reply(CompletionStage<T> answer, Function<T, HttpResponse> ok) {
        return extractUri(uri -> completeWithFuture(answer.handle((value, error) -> error == null ? ok.apply(value)
                : ApiJson.problem(ContainerProblems.of(error).withInstance(uri.path())))));
    }

    private static Route problem(Problem p) {
        return extractUri(uri -> complete(ApiJson.problem(p.withInstance(uri.path()))));
    }

    /** The request body as a JSON object; empty or malformed is a 400. */
    private static Route body(Function<JsonNode, Route> inner) {
        return entity(Unmarshaller.entityToString(), text -> {
            JsonNode node;
            try {
                node = text.isBlank() ? null : ApiJson.MAPPER.readTree(text);
            } catch (IOException e) {
                return problem(Problem.of(400, Problem.MALFORMED_REQUEST, "Malformed request body",
                        "the body is not JSON: " + e.getMessage()));
            }
            if (node == null || !node.isObject()) {
                return problem(Problem.validation("the body must be a JSON object",
                        List.of(new Problem.FieldError("$", "expected an object"))));
            }
            return inner.apply(node);
        });
    }

    @FunctionalInterface
    private interface Parser<T> {
        T parse(String text);
    }

    /** A query parameter read with {@code parser}; a value it refuses is a 400 naming the parameter. */
    private static <T> Route query(String name, Optional<String> raw, Parser<T> parser, Function<Optional<T>, Route> inner) {
        if (raw.isEmpty()) {
            return inner.apply(Optional.empty());
        }
        T value;
        try {
            value = parser.parse(raw.get().trim());
        } catch (IllegalArgumentException e) {
            return problem(Problem.validation("a query parameter is malformed",
                    List.of(new Problem.FieldError("query." + name, e.getMessage()))));
        }
        return inner.apply(Optional.of(value));
    }

    static Boolean bool(String text) {
        return switch (text) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw new IllegalArgumentException("must be true or false, got '" + text + "'");
        };
    }

    static Duration seconds(String text) {
        try {
            long s = Long.parseLong(text);
            if (s < 0 || s > 86_400) {
                throw new NumberFormatException();
            }
            return Duration.ofSeconds(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("must be whole seconds from 0 to 86400, got '" + text + "'");
        }
    }

    static Integer tail(String text) {
        if (text.equals("all")) {
            return -1;
        }
        try {
            int n = Integer.parseInt(text);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("must be a number of lines (0 or more) or all, got '" + text + "'");
        }
    }

    /** For a response without a body. */
    static HttpResponse noContent() {
        return HttpResponse.create().withStatus(StatusCodes.NO_CONTENT);
    }
}
