package io.gantry.ops.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.gantry.ops.cli.CliException;
import io.gantry.scheduler.api.ApiJson;
import java.io.IOException;
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
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target.address() + path))
        .timeout(timeout)
        .header("Accept", "application/json, application/problem+json")
        .GET();
    target.token().ifPresent(t -> request.header("Authorization", "Bearer " + t));
    return send(request.build());
  }

  private JsonNode send(HttpRequest request) throws CliException, InterruptedException {
    HttpResponse<byte[]> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
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
    JsonNode body = parse(response.body());
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      if (body.isMissingNode()) {
        throw new CliException("the server at " + target.hostPort() + " answered " + status + " without JSON; is it a Gantry server?");
      }
      return body;
    }
    if (status == 401) {
      throw new ApiCallException("the server at " + target.hostPort() + " refused the token (token from: "
          + target.tokenSource() + "); set GANTRY_TOKEN to the contents of the server's DATA_DIR/token", status, body);
    }
    String title = body.path("title").asText("HTTP " + status);
    String detail = body.path("detail").asText("");
    StringBuilder message = new StringBuilder(request.method() + " " + request.uri().getPath() + ": " + status + " " + title);
    if (!detail.isEmpty()) {
      message.append(": ").append(detail);
    }
    body.path("errors").forEach(e -> message.append("\n  ").append(e.path("path").asText()).append(": ").append(e.path("message").asText()));
    throw new ApiCallException(message.toString(), status, body);
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
