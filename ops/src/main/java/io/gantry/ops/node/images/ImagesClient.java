package io.gantry.ops.node.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.gantry.ops.cli.CliException;
import io.gantry.ops.client.ApiCallException;
import io.gantry.ops.client.ClientTarget;
import io.gantry.ops.client.ServerUnreachableException;
import io.gantry.scheduler.api.ApiJson;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The image commands' side of {@code /v1/images}: JSON requests, JSON or NDJSON answers, and
 * errors as one line that says what went wrong (the server's problem title and detail, no
 * server there, token refused), the same wording as the other CLI commands.
 */
final class ImagesClient {

    private final ClientTarget target;
    private final HttpClient http;
    private final Duration timeout;

    ImagesClient(ClientTarget target, Duration timeout) {
        this.target = target;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** {@code /v1/images/<encoded ref>[suffix]}. */
    static String refPath(String ref, String suffix) {
        return "/v1/images/" + URLEncoder.encode(ref, StandardCharsets.UTF_8).replace("+", "%20") + suffix;
    }

    JsonNode get(String path) throws CliException, InterruptedException {
        return send(request(path).GET().build());
    }

    JsonNode delete(String path) throws CliException, InterruptedException {
        return send(request(path).DELETE().build());
    }

    JsonNode post(String path, Object body) throws CliException, InterruptedException {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(ApiJson.bytes(body))).build());
    }

    /** POSTs and hands each NDJSON line of the answer to {@code onLine}, as it arrives. */
    void stream(String path, Object body, Consumer<JsonNode> onLine) throws CliException, InterruptedException {
        HttpRequest request = request(path).header("Content-Type", "application/json")
                .header("Accept", "application/x-ndjson, application/problem+json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(ApiJson.bytes(body))).build();
        HttpResponse<InputStream> response = exchange(request, HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            byte[] bytes;
            try (InputStream in = response.body()) {
                bytes = in.readAllBytes();
            } catch (IOException e) {
                bytes = new byte[0];
            }
            throw failure(request, response.statusCode(), parse(bytes));
        }
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                if (!line.isBlank()) {
                    onLine.accept(ApiJson.MAPPER.readTree(line));
                }
            }
        } catch (IOException e) {
            throw new CliException("the connection to the Gantry server at " + target.hostPort()
                    + " broke during the pull: " + e.getMessage(), e);
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(target.address() + path)).timeout(timeout)
                .header("Accept", "application/json, application/problem+json");
        target.token().ifPresent(t -> b.header("Authorization", "Bearer " + t));
        return b;
    }

    private JsonNode send(HttpRequest request) throws CliException, InterruptedException {
        HttpResponse<byte[]> response = exchange(request, HttpResponse.BodyHandlers.ofByteArray());
        JsonNode body = parse(response.body());
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            if (body.isMissingNode()) {
                throw new CliException("the server at " + target.hostPort() + " answered " + status
                        + " without JSON; is it a Gantry agent?");
            }
            return body;
        }
        throw failure(request, status, body);
    }

    private <T> HttpResponse<T> exchange(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws CliException, InterruptedException {
        try {
            return http.send(request, handler);
        } catch (ConnectException | HttpConnectTimeoutException | UnresolvedAddressException e) {
            throw new ServerUnreachableException(target.hostPort(), e);
        } catch (HttpTimeoutException e) {
            throw new CliException("the Gantry server at " + target.hostPort() + " did not answer within "
                    + timeout.toSeconds() + " s", e);
        } catch (IOException e) {
            if (e.getCause() instanceof ConnectException) {
                throw new ServerUnreachableException(target.hostPort(), e);
            }
            throw new CliException("talking to the Gantry server at " + target.hostPort() + " failed: " + e.getMessage(), e);
        }
    }

    private ApiCallException failure(HttpRequest request, int status, JsonNode body) {
        if (status == 401) {
            return new ApiCallException("the server at " + target.hostPort() + " refused the token (token from: "
                    + target.tokenSource() + "); set GANTRY_TOKEN to the contents of the server's DATA_DIR/token",
                    status, body);
        }
        if (status == 404 && "urn:gantry:problem:route-not-found".equals(body.path("type").asText())) {
            return new ApiCallException("the server at " + target.hostPort() + " serves no image API (" + request.uri().getPath()
                    + "); is it an agent node?", status, body);
        }
        return new ApiCallException(describe(body, status), status, body);
    }

    /** "detail" of a problem (it names the thing), else its title, with field errors inline. */
    static String describe(JsonNode problem, int status) {
        String detail = problem.path("detail").asText("");
        StringBuilder message = new StringBuilder(detail.isEmpty() ? problem.path("title").asText("HTTP " + status) : detail);
        problem.path("errors").forEach(e -> message.append("; ").append(e.path("path").asText()).append(": ")
                .append(e.path("message").asText()));
        return message.toString();
    }

    private static JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            return MissingNode.getInstance();
        }
        try {
            return ApiJson.MAPPER.readTree(body);
        } catch (IOException e) {
            return MissingNode.getInstance();
        }
    }
}
