package io.gantry.scheduler.api.jobs;

import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.delete;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequestEntity;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.parameterOptional;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.job.JobSpecJson;
import io.gantry.scheduler.actor.SchedulerClient;
import io.gantry.scheduler.api.ApiModule;
import io.gantry.scheduler.api.BearerTokenAuth;
import io.gantry.scheduler.api.Endpoint;
import io.gantry.scheduler.api.OpenApiDocument;
import io.gantry.scheduler.api.Problem;
import io.gantry.scheduler.api.ProblemException;
import io.gantry.scheduler.core.SchedulerReply;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletionStage;
import io.gantry.scheduler.view.AllocationView;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * Jobs and their allocations over REST, asked of the scheduler singleton from any scheduler node:
 * <ul>
 *   <li>{@code POST /v1/jobs}: create or update (201 or 200, {@code Location} the job's URL),
 *       acknowledged once durable; a body with problems is one 400 listing all of them;</li>
 *   <li>{@code GET /v1/jobs}, {@code GET /v1/jobs/{id}}, {@code DELETE /v1/jobs/{id}} (stop: the
 *       job stays, stopped), {@code POST /v1/jobs/{id}/scale} ({@code {"count": N}});</li>
 *   <li>{@code GET /v1/allocations/{id}} and its {@code /logs} (from the node's agent, through
 *       {@link AllocationLogs}; 501 until one is wired).</li>
 * </ul>
 */
public final class JobsApiModule implements ApiModule {

    static final String UNSUPPORTED_MEDIA_TYPE = "urn:gantry:problem:unsupported-media-type";
    static final String NOT_IMPLEMENTED = "urn:gantry:problem:not-implemented";

    /** Strict reading of small request bodies: duplicate keys are an error, as in job documents. */
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private final SchedulerClient scheduler;
    private final Optional<AllocationLogs> logs;

    public JobsApiModule(SchedulerClient scheduler, Optional<AllocationLogs> logs) {
        this.scheduler = scheduler;
        this.logs = logs;
    }

    @Override
    public List<Endpoint> endpoints() {
        return List.of(
                Endpoint.withToken("POST", "/v1/jobs"),
                Endpoint.withToken("GET", "/v1/jobs"),
                Endpoint.withToken("GET", "/v1/jobs/{jobId}"),
                Endpoint.withToken("DELETE", "/v1/jobs/{jobId}"),
                Endpoint.withToken("POST", "/v1/jobs/{jobId}/scale"),
                Endpoint.withToken("GET", "/v1/allocations/{allocationId}"),
                Endpoint.withToken("GET", "/v1/allocations/{allocationId}/logs"));
    }

    @Override
    public JsonNode openApiFragment() {
        return OpenApiDocument.load(JobsApiModule.class, "jobs.openapi.json");
    }

    @Override
    public Route route(BearerTokenAuth auth) {
        return pathPrefix("v1", () -> concat(
                pathPrefix("jobs", () -> concat(
                        pathEnd(() -> concat(
                                post(() -> auth.require(this::submit)),
                                get(() -> auth.require(this::list)))),
                        pathPrefix(segment(), jobId -> concat(
                                pathEnd(() -> concat(
                                        get(() -> auth.require(() -> show(jobId))),
                                        delete(() -> auth.require(() -> stop(jobId))))),
                                path("scale", () -> post(() -> auth.require(() -> scale(jobId)))))))),
                pathPrefix("allocations", () -> pathPrefix(segment(), allocationId -> concat(
                        pathEnd(() -> get(() -> auth.require(() -> allocation(allocationId)))),
                        path("logs", () -> get(() -> auth.require(() -> logs(allocationId)))))))));
    }

    private Route submit() {
        return jsonBody("a job document", bytes -> {
            JobSpecJson.Result parsed = JobSpecJson.parse(bytes);
            if (!parsed.ok()) {
                throw Replies.invalid("the job has " + parsed.problems().size() + " problem(s)",
                        parsed.problems().stream().map(p -> new Problem.FieldError(p.path(), p.message())).toList());
            }
            JobSpec spec = parsed.orElseThrow();
            return completeWithFuture(Replies.map(scheduler.submit(spec), scheduler.timeout(), reply -> {
                if (reply instanceof SchedulerReply.JobAccepted a) {
                    String url = "/v1/jobs/" + a.jobId();
                    return Replies.json(a.created() ? 201 : 200, new Accepted(a.jobId(), a.version(), a.created(), url))
                            .addHeader(Location.create(url));
                }
                throw Replies.rejected(reply);
            }));
        });
    }

    private Route list() {
        return completeWithFuture(Replies.map(scheduler.jobs(), scheduler.timeout(),
                jobs -> Replies.json(200, new JobListBody(jobs))));
    }

    private Route show(String jobId) {
        return completeWithFuture(Replies.map(scheduler.job(jobId), scheduler.timeout(), job ->
                Replies.json(200, job.orElseThrow(() -> Replies.notFound("job " + jobId + " does not exist")))));
    }

    private Route stop(String jobId) {
        return completeWithFuture(Replies.map(scheduler.stop(jobId), scheduler.timeout(), Replies::done));
    }

    private Route scale(String jobId) {
        return jsonBody("{\"count\": N}", bytes -> {
            int count = scaleCount(bytes);
            return completeWithFuture(Replies.map(scheduler.scale(jobId, count), scheduler.timeout(), reply -> {
                if (reply instanceof SchedulerReply.JobAccepted a) {
                    return Replies.json(200, new Scaled(a.jobId(), a.version(), count));
                }
                throw Replies.rejected(reply);
            }));
        });
    }

    private Route allocation(String allocationId) {
        return completeWithFuture(Replies.map(scheduler.allocation(allocationId), scheduler.timeout(), a ->
                Replies.json(200, a.orElseThrow(() ->
                        Replies.notFound("allocation " + allocationId + " does not exist")))));
    }

    private Route logs(String allocationId) {
        return parameterOptional("follow", follow -> parameterOptional("tail", tail -> {
            List<Problem.FieldError> errors = new ArrayList<>();
            boolean followLog = false;
            if (follow.isPresent()) {
                switch (follow.get()) {
                    case "true", "1", "" -> followLog = true;
                    case "false", "0" -> followLog = false;
                    default -> errors.add(new Problem.FieldError("query.follow", "must be true or false, got '"
                            + follow.get() + "'"));
                }
            }
            OptionalInt lines = OptionalInt.empty();
            if (tail.isPresent()) {
                try {
                    int n = Integer.parseInt(tail.get());
                    if (n < 0) {
                        throw new NumberFormatException();
                    }
                    lines = OptionalInt.of(n);
                } catch (NumberFormatException e) {
                    errors.add(new Problem.FieldError("query.tail", "must be a whole number of lines (0 or more), got '"
                            + tail.get() + "'"));
                }
            }
            if (!errors.isEmpty()) {
                throw Replies.invalid("the log request has " + errors.size() + " problem(s)", errors);
            }
            boolean followIt = followLog;
            OptionalInt tailIt = lines;
            CompletionStage<HttpResponse> answer = scheduler.allocation(allocationId).thenCompose(found -> {
                AllocationView a = found.orElseThrow(() ->
                        Replies.notFound("allocation " + allocationId + " does not exist"));
                if (logs.isEmpty()) {
                    throw new ProblemException(Problem.of(501, NOT_IMPLEMENTED, "Not implemented",
                            "allocation logs are streamed from the node agent, which this server does not run yet;"
                                    + " allocation " + a.id() + " is " + a.state()
                                    + a.node().map(n -> " on node " + n).orElse("")));
                }
                return logs.get().logs(a, followIt, tailIt);
            });
            return completeWithFuture(Replies.map(answer, scheduler.timeout(), response -> response));
        }));
    }

    /**
     * The request's body when it is JSON; 400 when there is none, 415 for another media type.
     * The size limit is the API's (413 beyond it).
     */
    private static Route jsonBody(String what, java.util.function.Function<byte[], Route> inner) {
        return extractRequestEntity(entity -> {
            if (entity.isKnownEmpty()) {
                throw Replies.invalid("the request needs a body: " + what,
                        List.of(new Problem.FieldError("$", "is required: send " + what + " as application/json")));
            }
            if (!entity.getContentType().mediaType().equals(MediaTypes.APPLICATION_JSON)) {
                throw new ProblemException(Problem.of(415, UNSUPPORTED_MEDIA_TYPE, "Unsupported media type",
                        "send " + what + " as application/json, not " + entity.getContentType().mediaType()));
            }
            return entity(Unmarshaller.entityToByteArray(), inner::apply);
        });
    }

    /** {@code {"count": N}}, strictly: every problem of the body in one answer. */
    static int scaleCount(byte[] body) {
        JsonNode tree;
        try {
            tree = STRICT.readTree(body);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw Replies.invalid("the body is not JSON", List.of(new Problem.FieldError("$", "malformed JSON" + where
                    + ": " + e.getOriginalMessage())));
        } catch (IOException e) {
            throw Replies.invalid("the body cannot be read", List.of(new Problem.FieldError("$", e.getMessage())));
        }
        if (tree == null || !tree.isObject()) {
            throw Replies.invalid("the body must be {\"count\": N}", List.of(new Problem.FieldError("$",
                    "must be an object with a count")));
        }
        List<Problem.FieldError> errors = new ArrayList<>();
        for (Iterator<String> it = tree.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!field.equals("count")) {
                errors.add(new Problem.FieldError("$." + field, "unknown field; the only field is count"));
            }
        }
        JsonNode count = tree.get("count");
        if (count == null || count.isNull()) {
            errors.add(new Problem.FieldError("$.count", "is required"));
        } else if (!count.isIntegralNumber() || !count.canConvertToInt()) {
            errors.add(new Problem.FieldError("$.count", "must be a whole number, got " + count));
        }
        if (!errors.isEmpty()) {
            throw Replies.invalid("the scale request has " + errors.size() + " problem(s)", errors);
        }
        return count.intValue();
    }

    /** The answer to a create or update. */
    record Accepted(String id, long version, boolean created, String url) {
    }

    record Scaled(String id, long version, int count) {
    }

    record JobListBody(List<io.gantry.scheduler.view.JobSummary> jobs) {
    }
}
