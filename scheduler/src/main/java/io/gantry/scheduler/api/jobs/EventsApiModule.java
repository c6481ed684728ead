package io.gantry.scheduler.api.jobs;

import static org.apache.pekko.http.javadsl.server.Directives.completeOK;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.parameterOptional;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.scheduler.api.ApiModule;
import io.gantry.scheduler.api.BearerTokenAuth;
import io.gantry.scheduler.api.Endpoint;
import io.gantry.scheduler.api.OpenApiDocument;
import io.gantry.scheduler.api.Problem;
import io.gantry.scheduler.view.SchedulerChange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.OverflowStrategy;

/**
 * {@code GET /v1/events}: job, allocation and node changes as Server-Sent Events, from the moment
 * the stream opens. Each event's name is {@code kind.change} ({@code allocation.running}), its
 * data the change as JSON, its id {@code epoch-seq}. {@code ?kind=job,node} and {@code ?job=ID}
 * filter. A comment line every 15 s keeps idle connections open.
 */
public final class EventsApiModule implements ApiModule {

    static final Set<String> KINDS = Set.of("job", "allocation", "node", "scheduler");
    static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

    private final SchedulerEvents events;

    public EventsApiModule(SchedulerEvents events) {
        this.events = events;
    }

    @Override
    public List<Endpoint> endpoints() {
        return List.of(Endpoint.withToken("GET", "/v1/events"));
    }

    @Override
    public JsonNode openApiFragment() {
        return OpenApiDocument.load(EventsApiModule.class, "events.openapi.json");
    }

    @Override
    public Route route(BearerTokenAuth auth) {
        return pathPrefix("v1", () -> path("events", () -> get(() -> auth.require(() ->
                parameterOptional("kind", kind -> parameterOptional("job", job -> stream(kind, job)))))));
    }

    private Route stream(Optional<String> kindParam, Optional<String> job) {
        Set<String> kinds = KINDS;
        if (kindParam.isPresent()) {
            List<String> asked = Arrays.stream(kindParam.get().split(",")).map(String::trim)
                    .filter(s -> !s.isEmpty()).toList();
            List<String> unknown = new ArrayList<>(asked.stream().filter(k -> !KINDS.contains(k)).toList());
            if (asked.isEmpty() || !unknown.isEmpty()) {
                throw Replies.invalid("unknown event kind", List.of(new Problem.FieldError("query.kind",
                        "must list kinds among job, allocation, node, scheduler (comma-separated), got '"
                                + kindParam.get() + "'")));
            }
            kinds = Set.copyOf(asked);
        }
        Set<String> wanted = kinds;
        return completeOK(events.changes()
                .filter(c -> wanted.contains(c.kind()))
                .filter(c -> job.isEmpty() || c.job().equals(job))
                .buffer(SchedulerEvents.BUFFER, OverflowStrategy.dropHead())
                .map(EventsApiModule::event)
                .keepAlive(KEEP_ALIVE, ServerSentEvent::heartbeat), EventStreamMarshalling.toEventStream());
    }

    static ServerSentEvent event(SchedulerChange c) {
        try {
            return ServerSentEvent.create(Replies.JSON.writeValueAsString(c), c.eventName(), c.epoch() + "-" + c.seq());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a change as JSON", e);
        }
    }
}
