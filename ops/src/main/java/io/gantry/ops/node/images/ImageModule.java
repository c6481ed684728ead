package io.gantry.ops.node.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.agent.image.ImageService;
import io.gantry.agent.image.PullEvent;
import io.gantry.agent.image.PullResult;
import io.gantry.layercache.content.GcReport;
import io.gantry.layercache.distribution.PushProgress;
import io.gantry.layercache.distribution.PushResult;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.Platform;
import io.gantry.scheduler.api.ApiJson;
import io.gantry.scheduler.api.ApiModule;
import io.gantry.scheduler.api.BearerTokenAuth;
import io.gantry.scheduler.api.Endpoint;
import io.gantry.scheduler.api.OpenApiDocument;
import io.gantry.scheduler.api.Problem;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.StreamConverters;
import org.apache.pekko.util.ByteString;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
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
import static org.apache.pekko.http.javadsl.server.Directives.withRequestTimeout;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

/**
 * The node's image API, {@code /v1/images…}, over an {@link ImageService}: pull (streaming
 * per-layer progress as NDJSON, or one JSON answer with {@code ?stream=false}), push, import,
 * export, list, inspect, history, remove, gc, mount and unmount. The image service blocks (disk,
 * network), so every call runs on a pool of its own, never on Pekko's dispatcher; long calls get
 * a request timeout of {@link #LONG_CALL} instead of the API's default.
 *
 * <p>A reference in a path is one URL-encoded segment ({@code /v1/images/127.0.0.1%3A5000%2Fapp%3A1}).
 * Paths on the node ({@code path}, {@code directory}) must be absolute: the CLI resolves them
 * against its working directory.
 */
public final class ImageModule implements ApiModule {

    static final ContentType NDJSON = MediaTypes.applicationWithOpenCharset("x-ndjson")
            .toContentType(HttpCharsets.UTF_8);
    static final Duration LONG_CALL = Duration.ofHours(1);

    private final ImageService images;
    private final ExecutorService blocking;

    public ImageModule(ImageService images, ExecutorService blocking) {
        this.images = images;
        this.blocking = blocking;
    }

    @Override
    public List<Endpoint> endpoints() {
        return List.of(
                Endpoint.withToken("GET", "/v1/images"),
                Endpoint.withToken("GET", "/v1/images/{ref}"),
                Endpoint.withToken("DELETE", "/v1/images/{ref}"),
                Endpoint.withToken("GET", "/v1/images/{ref}/history"),
                Endpoint.withToken("POST", "/v1/images/pull"),
                Endpoint.withToken("POST", "/v1/images/push"),
                Endpoint.withToken("POST", "/v1/images/import"),
                Endpoint.withToken("POST", "/v1/images/export"),
                Endpoint.withToken("POST", "/v1/images/gc"),
                Endpoint.withToken("POST", "/v1/images/mount"),
                Endpoint.withToken("POST", "/v1/images/unmount"));
    }

    @Override
    public JsonNode openApiFragment() {
        return OpenApiDocument.load(ImageModule.class, "images.openapi.json");
    }

    @Override
    public Route route(BearerTokenAuth auth) {
        return pathPrefix("v1", () -> pathPrefix("images", () -> concat(
                pathEnd(() -> get(() -> auth.require(() -> run(this::list)))),
                path("pull", () -> post(() -> auth.require(() -> parameterOptional("stream", stream ->
                        body(b -> pull(b, !stream.map(String::trim).orElse("true").equals("false"))))))),
                path("push", () -> post(() -> auth.require(() -> body(b -> runLong(() -> push(b)))))),
                path("import", () -> post(() -> auth.require(() -> body(b -> runLong(() -> importArchive(b)))))),
                path("export", () -> post(() -> auth.require(() -> body(b -> runLong(() -> export(b)))))),
                path("gc", () -> post(() -> auth.require(() -> parameterOptional("budget", budget ->
                        runLong(() -> gc(budget)))))),
                path("mount", () -> post(() -> auth.require(() -> body(b -> run(() -> mount(b)))))),
                path("unmount", () -> post(() -> auth.require(() -> body(b -> run(() -> unmount(b)))))),
                pathPrefix(segment(), ref -> concat(
                        pathEnd(() -> concat(
                                get(() -> auth.require(() -> run(() -> images.inspect(reference("path.ref", ref))))),
                                delete(() -> auth.require(() -> run(() -> remove(ref)))))),
                        path("history", () -> get(() -> auth.require(() -> run(() ->
                                Map.of("history", images.history(reference("path.ref", ref)))))))))
        )));
    }

    // ---- plumbing --------------------------------------------------------------------------

    @FunctionalInterface
    interface Call {
        Object run() throws Exception;
    }

    /** Runs {@code call} on the blocking pool; its value as JSON, or its error as a problem. */
    private Route run(Call call) {
        return extractUri(uri -> completeWithFuture(CompletableFuture.supplyAsync(() -> {
            try {
                return ApiJson.ok(200, call.run());
            } catch (InvalidRequest e) {
                return ApiJson.problem(e.problem.withInstance(uri.path()));
            } catch (Exception | Error e) {
                return ApiJson.problem(ImageProblems.of(e).withInstance(uri.path()));
            }
        }, blocking)));
    }

    private Route runLong(Call call) {
        return withRequestTimeout(LONG_CALL, () -> run(call));
    }

    /** The request body as a JSON object; an empty or malformed body is a 400 here. */
    private Route body(Function<JsonNode, Route> inner) {
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

    private static Route problem(Problem p) {
        return extractUri(uri -> complete(ApiJson.problem(p.withInstance(uri.path()))));
    }

    /** Checks a body's fields; every problem in one 400. */
    private static final class Fields {
        final JsonNode body;
        final List<Problem.FieldError> errors = new ArrayList<>();

        Fields(JsonNode body) {
            this.body = body;
        }

        ImageReference reference(String field) {
            String text = text(field, true);
            if (text == null) {
                return null;
            }
            try {
                return ImageReference.parse(text);
            } catch (IllegalArgumentException e) {
                errors.add(new Problem.FieldError("$." + field, e.getMessage()));
                return null;
            }
        }

        Path absolutePath(String field) {
            String text = text(field, true);
            if (text == null) {
                return null;
            }
            Path p = Path.of(text);
            if (!p.isAbsolute()) {
                errors.add(new Problem.FieldError("$." + field, "must be an absolute path on the node, got '" + text + "'"));
                return null;
            }
            return p.normalize();
        }

        boolean flag(String field) {
            JsonNode v = body.get(field);
            if (v == null || v.isNull()) {
                return false;
            }
            if (!v.isBoolean()) {
                errors.add(new Problem.FieldError("$." + field, "must be true or false"));
                return false;
            }
            return v.asBoolean();
        }

        Platform platform(String field) {
            String text = text(field, false);
            if (text == null) {
                return null;
            }
            try {
                return Platform.parse(text);
            } catch (IllegalArgumentException e) {
                errors.add(new Problem.FieldError("$." + field, e.getMessage()));
                return null;
            }
        }

        String text(String field, boolean required) {
            JsonNode v = body.get(field);
            if (v == null || v.isNull()) {
                if (required) {
                    errors.add(new Problem.FieldError("$." + field, "is required"));
                }
                return null;
            }
            if (!v.isTextual() || v.asText().isBlank()) {
                errors.add(new Problem.FieldError("$." + field, "must be a non-empty string"));
                return null;
            }
            return v.asText().trim();
        }

        void check() {
            if (!errors.isEmpty()) {
                throw new InvalidRequest(Problem.validation("the request has " + errors.size() + " problem(s)", errors));
            }
        }
    }

    /** A 400 found while checking a body, thrown from inside a call. */
    static final class InvalidRequest extends RuntimeException {
        final transient Problem problem;

        InvalidRequest(Problem problem) {
            super(problem.detail());
            this.problem = problem;
        }
    }

    private static ImageReference reference(String where, String text) {
        try {
            return ImageReference.parse(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequest(Problem.validation("not an image reference",
                    List.of(new Problem.FieldError(where, e.getMessage()))));
        }
    }

    // ---- the calls -------------------------------------------------------------------------

    private Object list() throws IOException {
        return Map.of("images", images.list());
    }

    private Object remove(String ref) throws IOException {
        ImageReference reference = reference("path.ref", ref);
        images.remove(reference);
        return Map.of("removed", reference.toString());
    }

    private Route pull(JsonNode body, boolean stream) {
        Fields f = new Fields(body);
        ImageReference reference = f.reference("reference");
        boolean plainHttp = f.flag("plainHttp");
        Platform platform = f.platform("platform");
        if (!f.errors.isEmpty()) {
            return problem(Problem.validation("the request has " + f.errors.size() + " problem(s)", f.errors));
        }
        ImageService.PullOptions options = new ImageService.PullOptions(plainHttp, platform);
        if (!stream) {
            return runLong(() -> images.pull(reference, options, event -> { }));
        }
        // NDJSON: one line per layer event, then {"status":"pulled","result":…} or
        // {"status":"error","error":<problem>}; the HTTP status is 200 once the stream starts
        Source<ByteString, OutputStream> lines = StreamConverters.asOutputStream(Duration.ofMinutes(5));
        Source<ByteString, NotUsed> body2 = lines.mapMaterializedValue(out -> {
            blocking.submit(() -> streamPull(reference, options, out));
            return NotUsed.getInstance();
        });
        return withRequestTimeout(LONG_CALL, () -> complete(HttpResponse.create()
                .withEntity(HttpEntities.createChunked(NDJSON, body2))));
    }

    private void streamPull(ImageReference reference, ImageService.PullOptions options, OutputStream out) {
        NdjsonWriter writer = new NdjsonWriter(out);
        try {
            PullResult result = images.pull(reference, options, writer::event);
            Map<String, Object> last = new LinkedHashMap<>();
            last.put("status", "pulled");
            last.put("result", result);
            writer.line(last);
        } catch (Exception | Error e) {
            Map<String, Object> last = new LinkedHashMap<>();
            last.put("status", "error");
            last.put("error", ImageProblems.of(e).withInstance("/v1/images/pull"));
            writer.line(last);
        } finally {
            writer.close();
        }
    }

    /** Writes NDJSON lines from the pull's threads; a client that went away only stops the lines. */
    private static final class NdjsonWriter {
        private final OutputStream out;
        private boolean gone;

        NdjsonWriter(OutputStream out) {
            this.out = out;
        }

        void event(PullEvent event) {
            line(event);
        }

        synchronized void line(Object value) {
            if (gone) {
                return;
            }
            try {
                out.write(ApiJson.bytes(value));
                out.write('\n');
                out.flush();
            } catch (IOException | RuntimeException e) {
                gone = true; // the pull goes on; its result is on the node either way
            }
        }

        synchronized void close() {
            try {
                out.close();
            } catch (IOException ignored) {
                // the client is gone
            }
        }
    }

    private Object push(JsonNode body) throws IOException {
        Fields f = new Fields(body);
        ImageReference source = f.reference("source");
        ImageReference target = f.reference("target");
        boolean plainHttp = f.flag("plainHttp");
        f.check();
        PushResult result = images.push(source, target, plainHttp, PushProgress.NONE);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("reference", result.target().toString());
        out.put("digest", result.manifestDigest().toString());
        Map<String, String> blobs = new LinkedHashMap<>();
        result.blobs().forEach((digest, outcome) -> blobs.put(digest.toString(), outcome.name().toLowerCase()));
        out.put("blobs", blobs);
        return out;
    }

    private Object importArchive(JsonNode body) throws IOException {
        Fields f = new Fields(body);
        Path path = f.absolutePath("path");
        f.check();
        return Map.of("images", images.importArchive(path));
    }

    private Object export(JsonNode body) throws IOException {
        Fields f = new Fields(body);
        ImageReference reference = f.reference("reference");
        Path directory = f.absolutePath("directory");
        f.check();
        images.export(reference, directory);
        return Map.of("reference", reference.toString(), "directory", directory.toString());
    }

    private Object gc(Optional<String> budget) throws IOException {
        GcReport report;
        if (budget.isPresent()) {
            long bytes;
            try {
                bytes = Long.parseLong(budget.get().trim());
                if (bytes < 0) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new InvalidRequest(Problem.validation("budget must be a number of bytes",
                        List.of(new Problem.FieldError("query.budget", "must be a non-negative integer, got '"
                                + budget.get() + "'"))));
            }
            report = images.gc(bytes);
        } else {
            report = images.gc();
        }
        ObjectNode out = ApiJson.MAPPER.createObjectNode();
        out.put("budget", report.budget());
        out.put("usageBefore", report.usageBefore());
        out.put("usageAfter", report.usageAfter());
        out.put("bytesFreed", report.bytesFreed());
        out.put("underBudget", report.underBudget());
        var removed = out.putArray("removed");
        for (GcReport.Removed r : report.removed()) {
            removed.addObject().put("kind", r.kind()).put("id", r.id()).put("size", r.size());
        }
        return out;
    }

    private Object mount(JsonNode body) throws IOException {
        Fields f = new Fields(body);
        ImageReference reference = f.reference("reference");
        Path directory = f.absolutePath("directory");
        f.check();
        return images.mount(reference, directory);
    }

    private Object unmount(JsonNode body) throws IOException {
        Fields f = new Fields(body);
        Path directory = f.absolutePath("directory");
        f.check();
        images.unmount(directory);
        return Map.of("unmounted", directory.toString());
    }
}
