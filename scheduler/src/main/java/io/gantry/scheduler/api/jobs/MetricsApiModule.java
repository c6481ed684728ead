package io.gantry.scheduler.api.jobs;

import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.scheduler.actor.SchedulerClient;
import io.gantry.scheduler.api.ApiModule;
import io.gantry.scheduler.api.BearerTokenAuth;
import io.gantry.scheduler.api.Endpoint;
import io.gantry.scheduler.api.OpenApiDocument;
import io.gantry.scheduler.metrics.PrometheusText;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.List;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /metrics}: Prometheus text. The scheduler's metrics (jobs, allocations by state,
 * nodes by status, placements, placement and journal latency) come from the singleton, wherever
 * it runs; the JVM gauges are those of the node that answers. Needs the bearer token, like every
 * call but health (Prometheus: {@code authorization: {credentials_file: DATA_DIR/token}}).
 */
public final class MetricsApiModule implements ApiModule {

    private static final ContentType TEXT = ContentTypes.parse(PrometheusText.CONTENT_TYPE);

    private final SchedulerClient scheduler;

    public MetricsApiModule(SchedulerClient scheduler) {
        this.scheduler = scheduler;
    }

    @Override
    public List<Endpoint> endpoints() {
        return List.of(Endpoint.withToken("GET", "/metrics"));
    }

    @Override
    public JsonNode openApiFragment() {
        return OpenApiDocument.load(MetricsApiModule.class, "metrics.openapi.json");
    }

    @Override
    public Route route(BearerTokenAuth auth) {
        return path("metrics", () -> get(() -> auth.require(() ->
                completeWithFuture(Replies.map(scheduler.metrics(), scheduler.timeout(), m ->
                        HttpResponse.create().withEntity(HttpEntities.create(TEXT,
                                PrometheusText.render(m, jvm()).getBytes(java.nio.charset.StandardCharsets.UTF_8))))))));
    }

    private static Map<String, Double> jvm() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        return Map.of(
                "gantry_jvm_heap_used_bytes", (double) memory.getHeapMemoryUsage().getUsed(),
                "gantry_jvm_heap_committed_bytes", (double) memory.getHeapMemoryUsage().getCommitted(),
                "gantry_jvm_nonheap_used_bytes", (double) memory.getNonHeapMemoryUsage().getUsed(),
                "gantry_jvm_threads", (double) ManagementFactory.getThreadMXBean().getThreadCount());
    }
}
