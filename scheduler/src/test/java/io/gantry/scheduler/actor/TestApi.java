package io.gantry.scheduler.actor;

import io.gantry.scheduler.api.ApiRoutes;
import io.gantry.scheduler.api.jobs.EventsApiModule;
import io.gantry.scheduler.api.jobs.JobsApiModule;
import io.gantry.scheduler.api.jobs.MetricsApiModule;
import io.gantry.scheduler.api.jobs.NodesApiModule;
import io.gantry.scheduler.api.jobs.SchedulerEvents;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The scheduler's REST API served by one test node on a free loopback port, and a client for it
 * (java.net.http): the same modules and composition as a Gantry server.
 */
final class TestApi {

    static final String TOKEN = "test-token";
    static final long MAX_REQUEST_BYTES = 64 * 1024;

    final URI base;
    final SchedulerClient client;
    private final ServerBinding binding;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestApi(URI base, SchedulerClient client, ServerBinding binding) {
        this.base = base;
        this.client = client;
        this.binding = binding;
    }

    static TestApi serve(ActorSystem<?> system, ActorRef<Object> proxy) throws Exception {
        SchedulerClient client = TestNodes.client(system, proxy);
        ApiRoutes api = ApiRoutes.compose(new ApiRoutes.Settings(TOKEN, MAX_REQUEST_BYTES, "test"), List.of(
                new JobsApiModule(client, Optional.empty()),
                new NodesApiModule(client),
                new EventsApiModule(SchedulerEvents.start(system)),
                new MetricsApiModule(client)));
        ServerBinding binding = Http.get(system).newServerAt("127.0.0.1", 0).bind(api.route())
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        return new TestApi(URI.create("http://127.0.0.1:" + binding.localAddress().getPort()), client, binding);
    }

    HttpResponse<String> get(String path) {
        return send("GET", path, null, null, TOKEN);
    }

    HttpResponse<String> post(String path, String json) {
        return send("POST", path, "application/json", json, TOKEN);
    }

    HttpResponse<String> delete(String path) {
        return send("DELETE", path, null, null, TOKEN);
    }

    /** One call; a transport failure fails the test (it is never an answer of the API). */
    HttpResponse<String> send(String method, String path, String contentType, String body, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new AssertionError(method + " " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    HttpClient http() {
        return http;
    }

    void unbind() {
        binding.unbind();
    }
}
