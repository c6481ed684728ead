package io.gantry.scheduler.api.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.protocol.serialization.GantryJson;
import io.gantry.scheduler.api.ApiJson;
import io.gantry.scheduler.api.Problem;
import io.gantry.scheduler.api.ProblemException;
import io.gantry.scheduler.core.SchedulerReply;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.pattern.AskTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * What the scheduler's routes share: the JSON of answers (Gantry's mapper: ISO-8601 instants,
 * absent optionals left out, job specs in their documented form) and the mapping of the core's
 * replies and of failed asks to HTTP. A problem is thrown as {@link ProblemException}, so that
 * {@link io.gantry.scheduler.api.ApiErrorHandling} answers it as problem+json with the request path.
 */
final class Replies {

    private static final Logger log = LoggerFactory.getLogger(Replies.class);

    static final ObjectMapper JSON = GantryJson.newMapper()
            .setSerializationInclusion(JsonInclude.Include.NON_ABSENT);

    private Replies() {
    }

    static HttpResponse json(int status, Object value) {
        try {
            return HttpResponse.create().withStatus(StatusCodes.get(status))
                    .withEntity(HttpEntities.create(ApiJson.JSON, JSON.writeValueAsBytes(value)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /** A done or rejected command: 200 with its message, or the rejection as a problem. */
    static HttpResponse done(SchedulerReply reply) {
        if (reply instanceof SchedulerReply.Done d) {
            return json(200, new Message(d.message()));
        }
        throw rejected(reply);
    }

    /** The problem for a reply that is not the success the route expected. */
    static ProblemException rejected(SchedulerReply reply) {
        if (reply instanceof SchedulerReply.Rejected r) {
            return new ProblemException(switch (r.kind()) {
                case INVALID -> Problem.validation(r.message(), r.problems().stream()
                        .map(p -> new Problem.FieldError(p.path(), p.message())).toList());
                case NOT_FOUND -> Problem.notFound(r.message());
                case FAILED_PRECONDITION -> Problem.conflict(r.message());
            });
        }
        return new ProblemException(Problem.of(500, Problem.INTERNAL, "Internal server error",
                "the scheduler gave an unexpected answer; the server log has the details"));
    }

    /**
     * {@code answer} mapped to a response; a failed ask becomes 503 (the scheduler did not answer:
     * it may be starting or moving to another node) and a bug 500.
     */
    static <T> CompletionStage<HttpResponse> map(CompletionStage<T> answer, Duration timeout,
                                                Function<T, HttpResponse> toResponse) {
        return answer.handle((value, failure) -> {
            if (failure == null) {
                return toResponse.apply(value);
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause instanceof ProblemException p) {
                throw p;
            }
            if (cause instanceof TimeoutException || cause instanceof AskTimeoutException) {
                throw new ProblemException(Problem.unavailable("the scheduler did not answer within "
                        + timeout.toSeconds() + " s; it may be starting or moving to another node, retry shortly"));
            }
            log.error("a scheduler call failed", cause);
            throw new ProblemException(Problem.of(500, Problem.INTERNAL, "Internal server error",
                    "the server failed to handle this request; its log has the details"), cause);
        });
    }

    static ProblemException notFound(String what) {
        return new ProblemException(Problem.notFound(what));
    }

    static ProblemException invalid(String detail, List<Problem.FieldError> errors) {
        return new ProblemException(Problem.validation(detail, errors));
    }

    /** {@code {"message": "..."}}, the body of a command that returns nothing else. */
    record Message(String message) {
    }
}
