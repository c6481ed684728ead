package io.gantry.ops.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Starts real nodes for tests: free loopback ports, a temp data dir, messages serialized. */
public final class TestServers {
  /** Every in-JVM test node serializes its local messages, so a message that could not
   *  cross the network fails here rather than in a cluster. */
  public static final String TEST_CONFIG = """
      pekko.actor.serialize-messages = on
      pekko.actor.serialize-creators = off
      pekko.loglevel = WARNING
      gantry.logs.file = off
      """;

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private TestServers() {}

  /** Flags for a node in {@code dataDir} on free ports, with {@link #TEST_CONFIG} plus {@code extraConfig}. */
  public static ServerFlags flags(Path dataDir, String extraConfig) throws IOException {
    Path configFile = Files.createTempFile(dataDir.getParent(), "gantry-test-", ".conf");
    Files.writeString(configFile, TEST_CONFIG + extraConfig);
    return ServerFlags.none()
        .withDataDir(dataDir.toString())
        .withHttp(new HostPort("127.0.0.1", 0))
        .withCluster(new HostPort("127.0.0.1", 0))
        .withConfigFile(configFile);
  }

  public static GantryServer start(Path dataDir) throws Exception {
    return GantryServer.start(GantryConfig.load(flags(dataDir, "")));
  }

  public static HttpResponse<String> get(URI base, String path, String token) throws Exception {
    return send(base, "GET", path, token);
  }

  /** Status and body of a call; an event stream is closed after its headers (its body never ends). */
  public record Answer(int status, String contentType, String body) {}

  public static Answer probe(URI base, String method, String path, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    HttpResponse<java.io.InputStream> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    String type = r.headers().firstValue("Content-Type").orElse("");
    try (java.io.InputStream in = r.body()) {
      String body = type.startsWith("text/event-stream") ? ""
          : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      return new Answer(r.statusCode(), type, body);
    }
  }

  public static HttpResponse<String> send(URI base, String method, String path, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
