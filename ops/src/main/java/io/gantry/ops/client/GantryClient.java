package io.gantry.ops.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.gantry.ops.cli.CliException;
import io.gantry.scheduler.api.ApiJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;

/**
 * The CLI's side of the REST API, on {@link java.net.http.HttpClient}: JSON in, JSON out,
 * and errors turned into messages that say what to do (no server there, token refused,
 * the server's own problem title and detail).
 */
public final class GantryClient {
  private final ClientTarget target;
  private final HttpClient http;
  private final Duration timeout;

  public GantryClient(ClientTarget target, Duration timeout) {
    this.target = target;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  public ClientTarget target() {
    return target;
  }

  /** GET {@code path} (e.g. "/v1/health"), with the token when one is known. */
  public JsonNode get(String path) throws CliException, InterruptedException {
    return send(request(path).GET().build());
  }

  /** POST a JSON body; the answer's JSON. */
  public JsonNode post(String path, byte[] json) throws CliException, InterruptedException {
    return send(request(path).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(json)).build());
  }

  public JsonNode post(String path, JsonNode json) throws CliException, InterruptedException {
    return post(path, ApiJson.bytes(json));
  }

  public JsonNode delete(String path) throws CliException, InterruptedException {
    return send(request(path).DELETE().build());
  }

  /**
   * GET a streaming answer (Server-Sent Events, a followed log) and hand each line to
   * {@code lines} until the server ends it; no timeout once it has started.
   */
  public void stream(String path, String accept, Consumer<String> lines) throws CliException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(target.address() + path))
        .header("Accept", accept + ", application/problem+json").GET();
    target.token().ifPresent(t -> b.header("Authorization", "Bearer " + t));
    HttpRequest request = b.build();
    HttpResponse<InputStream> response = call(request, HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = response.body()) {
      if (response.statusCode() < 200 || response.statusCode() >= 300) {
        throw failure(request, response.statusCode(), parse(in.readAllBytes()));
      }
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        lines.accept(line);
      }
    } catch (IOException e) {
      throw new CliException("the stream from " + target.hostPort() + " broke: " + e.getMessage(), e);
    }
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target.address() + path))
        .timeout(timeout)
        .header("Accept", "application/json, application/problem+json");
    target.token().ifPresent(t -> request.header("Authorization", "Bearer " + t));
    return request;
  }

  private <T> HttpResponse<T> call(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws CliException, InterruptedException {
    try {
      return http.send(request, handler);
    } catch (ConnectException | HttpConnectTimeoutException | UnresolvedAddressException e) {
      throw new ServerUnreachableException(target.hostPort(), e);
    } catch (HttpTimeoutException e) {
      throw new CliException("the Gantry server at " + target.hostPort() + " did not answer within " + timeout.toSeconds() + " s", e);
    } catch (IOException e) {
      if (e.getCause() instanceof ConnectException) {
        throw new ServerUnreachableException(target.hostPort(), e);
      }
      throw new CliException("talking to the Gantry server at " + target.hostPort() + " failed: " + e.getMessage(), e);
    }
  }

  private JsonNode send(HttpRequest request) throws CliException, InterruptedException {
    HttpResponse<byte[]> response = call(request, HttpResponse.BodyHandlers.ofByteArray());
    JsonNode body = parse(response.body());
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      if (body.isMissingNode()) {
        throw new CliException("the server at " + target.hostPort() + " answered " + status + " without JSON; is it a Gantry server?");
      }
      return body;
    }
    throw failure(request, status, body);
  }

  private CliException failure(HttpRequest request, int status, JsonNode body) {
    if (status == 401) {
      return new ApiCallException("the server at " + target.hostPort() + " refused the token (token from: "
          + target.tokenSource() + "); set GANTRY_TOKEN to the contents of the server's DATA_DIR/token", status, body);
    }
    String title = body.path("title").asText("HTTP " + status);
    String detail = body.path("detail").asText("");
    StringBuilder message = new StringBuilder(request.method() + " " + request.uri().getPath() + ": " + status + " " + title);
    if (!detail.isEmpty()) {
      message.append(": ").append(detail);
    }
    body.path("errors").forEach(e -> message.append("\n  ").append(e.path("path").asText()).append(": ").append(e.path("message").asText()));
    return new ApiCallException(message.toString(), status, body);
  }

  private static JsonNode parse(byte[] body) {
    if (body.length == 0) {
      return MissingNode.getInstance();
    }
    try {
      return ApiJson.MAPPER.readTree(body);
    } catch (IOException e) {
      return MissingNode.getInstance();
    }
  }
}
