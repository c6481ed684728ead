package io.gantry.ops.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.scheduler.api.ApiJson;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scheduler role in a real server: jobs survive a restart of the node on the same data
 * directory (the H2 journal in DATA_DIR/journal), and a journal that cannot be opened stops
 * the node from starting, saying which.
 */
class SchedulerRoleTest {
  @TempDir
  Path tmp;

  @Test
  void jobsSurviveARestartOnTheSameDataDirectory() throws Exception {
    Path data = tmp.resolve("data");
    // (the test's HTTP client keeps its connection: don't wait the default 5 s for it at stop)
    String quickStop = "gantry.http.shutdown-deadline = 200ms\n";
    try (GantryServer first = GantryServer.start(GantryConfig.load(TestServers.flags(data, quickStop)))) {
      HttpResponse<String> r = post(first, "/v1/jobs", "{\"id\":\"web\",\"image\":\"busybox\",\"count\":2}");
      assertEquals(201, r.statusCode(), r.body());
    }
    assertTrue(Files.exists(data.resolve("journal").resolve("scheduler.mv.db")), "the journal is in the data dir");
    try (GantryServer second = GantryServer.start(GantryConfig.load(TestServers.flags(data, quickStop)))) {
      HttpResponse<String> r = TestServers.get(second.httpUri(), "/v1/jobs/web", second.token());
      assertEquals(200, r.statusCode(), r.body());
      JsonNode job = ApiJson.MAPPER.readTree(r.body());
      assertEquals(2, job.path("count").asInt());
      assertEquals("pending", job.path("status").asText());
      HttpResponse<String> metrics = TestServers.get(second.httpUri(), "/metrics", second.token());
      assertTrue(metrics.body().contains("gantry_scheduler_epoch 2"), metrics.body());
    }
  }

  @Test
  void aJournalThatCannotBeOpenedStopsTheStart() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String url = "jdbc:postgresql://127.0.0.1:" + port + "/gantry";
    ServerFlags flags = TestServers.flags(tmp.resolve("data"), """
        gantry.journal { kind = postgres, postgres.url = "%s" }
        """.formatted(url));
    ServerStartException e = assertThrows(ServerStartException.class,
        () -> GantryServer.start(GantryConfig.load(flags)));
    assertTrue(e.getMessage().contains("cannot open the scheduler journal PostgreSQL " + url), e.getMessage());
    assertFalse(e.getMessage().contains("password"), e.getMessage());
  }

  private static HttpResponse<String> post(GantryServer server, String path, String json) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(server.httpUri().resolve(path)).timeout(Duration.ofSeconds(20))
        .header("Authorization", "Bearer " + server.token()).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
  }

}
