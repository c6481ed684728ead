package io.gantry.layercache.distribution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.layercache.DigestMismatchException;
import io.gantry.layercache.FailedPreconditionException;
import io.gantry.layercache.LayerCacheException;
import io.gantry.layercache.NotFoundException;
import io.gantry.layercache.RegistryUnavailableException;
import io.gantry.layercache.UnauthorizedException;

import javax.net.ssl.SSLException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * HTTP/1.1 plumbing shared by pull and push: the registry's base URL (HTTPS unless plain HTTP was
 * asked for), authentication (see {@link RegistryAuth}), redirects (followed by hand so that the
 * registry's credentials are never sent to another host, e.g. a storage backend's signed URL),
 * retries with exponential backoff on connection errors, 5xx and 429, and the mapping of error
 * responses to typed exceptions carrying the registry's own error code and message.
 */
final class RegistryHttp implements AutoCloseable {

    /** One request. {@code body} is a supplier because a retry needs a fresh publisher. */
    record Call(String method, URI uri, Map<String, String> headers, Supplier<HttpRequest.BodyPublisher> body,
                List<String> scopes) {

        static Call get(URI uri, List<String> scopes, Map<String, String> headers) {
            return new Call("GET", uri, headers, null, scopes);
        }

        static Call head(URI uri, List<String> scopes) {
            return new Call("HEAD", uri, Map.of(), null, scopes);
        }

        boolean idempotent() {
            return method.equals("GET") || method.equals("HEAD") || method.equals("PUT") || method.equals("DELETE");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_REDIRECTS = 5;

    private final HttpClient http;
    private final RegistryOptions options;
    private final RegistryAuth auth;
    private final ScheduledExecutorService stallWatch;

    RegistryHttp(RegistryOptions options) {
        this.options = options;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(options.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.auth = new RegistryAuth(http, options.credentials(), Clock.systemUTC(), requestTimeout());
        this.stallWatch = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "gantry-registry-stall-watch");
            thread.setDaemon(true);
            return thread;
        });
    }

    private Duration requestTimeout() {
        return options.stallTimeout();
    }

    RegistryOptions options() {
        return options;
    }

    /**
     * {@code https://HOST/v2/} or, with plain HTTP, {@code http://HOST/v2/}; {@code host} is the API
     * endpoint ({@link io.gantry.protocol.oci.ImageReference#registryEndpoint()}).
     */
    URI base(String host) {
        return URI.create((options.plainHttp() ? "http://" : "https://") + host + "/v2/");
    }

    /** A request with retries on transient failures; any final status is returned to the caller. */
    HttpResponse<InputStream> send(String host, Call call, String context) throws IOException {
        int attempts = options.maxAttempts();
        for (int attempt = 1; ; attempt++) {
            HttpResponse<InputStream> response;
            try {
                response = exchange(host, call);
            } catch (IOException e) {
                if (!retryable(e) || attempt >= attempts) {
                    throw unavailable(context, e, attempt);
                }
                sleep(options.backoff(attempt + 1));
                continue;
            }
            int status = response.statusCode();
            if ((status >= 500 || status == 429) && call.idempotent() && attempt < attempts) {
                discard(response);
                sleep(options.backoff(attempt + 1));
                continue;
            }
            return response;
        }
    }

    /**
     * One logical request: authentication (one retry after a 401 with a new challenge or token) and
     * redirects, but no retries on failure. The body arrives as a stream.
     */
    HttpResponse<InputStream> exchange(String host, Call call) throws IOException {
        return exchange(host, call, HttpResponse.BodyHandlers.ofInputStream());
    }

    /**
     * {@link #exchange(String, Call)} with a body handler of the caller's choosing. The handler sees
     * every response, including 401s and redirects that are then discarded, so it must pick its
     * subscriber by status (e.g. write 200/206 bodies to a blob, collect others as bytes).
     */
    <T> HttpResponse<T> exchange(String host, Call call, HttpResponse.BodyHandler<T> handler) throws IOException {
        URI uri = call.uri();
        String origin = uri.getRawAuthority();
        String method = call.method();
        Supplier<HttpRequest.BodyPublisher> body = call.body();
        List<String> scopes = call.scopes();
        boolean authRetried = false;
        for (int redirects = 0; redirects <= MAX_REDIRECTS; ) {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : body.get());
            call.headers().forEach(request::header);
            if (method.equals("GET") || method.equals("HEAD")) {
                // java.net.http stops this timer at the response headers; bodies have a stall watch
                request.timeout(options.stallTimeout());
            }
            String authorization = null;
            boolean toOrigin = origin.equals(uri.getRawAuthority());
            if (toOrigin) {
                authorization = auth.authorization(host, scopes).orElse(null);
                if (authorization != null) {
                    request.header("Authorization", authorization);
                }
            }
            HttpResponse<T> response = sendRaw(request.build(), host, handler);
            int status = response.statusCode();
            if (status == 401 && toOrigin && !authRetried) {
                authRetried = true;
                List<String> retryScopes = auth.onUnauthorized(host, response, scopes, authorization);
                if (retryScopes != null) {
                    scopes = retryScopes;
                    discard(response);
                    continue;
                }
                return response;
            }
            Optional<String> location = response.headers().firstValue("Location");
            if ((status == 301 || status == 302 || status == 303 || status == 307 || status == 308)
                    && location.isPresent() && !method.equals("PUT") && !method.equals("POST") && !method.equals("PATCH")) {
                discard(response);
                uri = uri.resolve(location.get());
                if (status == 303) {
                    method = "GET";
                    body = null;
                }
                redirects++;
                continue;
            }
            return response;
        }
        throw new RegistryUnavailableException("more than " + MAX_REDIRECTS + " redirects from " + call.uri());
    }

    private <T> HttpResponse<T> sendRaw(HttpRequest request, String host, HttpResponse.BodyHandler<T> handler)
            throws IOException {
        try {
            return http.send(request, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted: " + request.method() + " " + request.uri());
        } catch (SSLException e) {
            throw new FailedPreconditionException("TLS with " + host + " failed (" + e.getMessage()
                    + "); if this registry serves plain HTTP, ask for it explicitly (--plain-http)", e);
        } catch (IOException e) {
            if (e.getCause() instanceof SSLException ssl) {
                throw new FailedPreconditionException("TLS with " + host + " failed (" + ssl.getMessage()
                        + "); if this registry serves plain HTTP, ask for it explicitly (--plain-http)", e);
            }
            throw e;
        }
    }

    /** Connection-level failures are worth another try; typed outcomes and TLS problems are not. */
    static boolean retryable(IOException e) {
        if (e instanceof RegistryUnavailableException) {
            return true;
        }
        return !(e instanceof LayerCacheException) && !(e instanceof InterruptedIOException) && !(e instanceof SSLException);
    }

    private static IOException unavailable(String context, IOException e, int attempts) {
        if (e instanceof LayerCacheException typed) {
            return typed.withContext(context);
        }
        if (e instanceof InterruptedIOException) {
            return e;
        }
        String what = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
        return new RegistryUnavailableException(context + ": " + what
                + (attempts > 1 ? " (after " + attempts + " attempts)" : ""), e);
    }

    void sleep(Duration duration) throws InterruptedIOException {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted during retry backoff");
        }
    }

    /**
     * The typed error for a response that is not what the caller wanted, with the registry's error
     * codes ({@code {"errors":[{"code":"MANIFEST_UNKNOWN","message":…}]}}) in the message.
     */
    LayerCacheException error(String host, String context, HttpResponse<InputStream> response) {
        byte[] bytes = new byte[0];
        try (InputStream in = response.body()) {
            bytes = in.readNBytes(64 * 1024);
        } catch (IOException unreadable) {
            // the status alone has to do
        }
        return error(host, context, response, bytes);
    }

    /** {@link #error(String, String, HttpResponse)} for a body already read. */
    LayerCacheException error(String host, String context, HttpResponse<?> response, byte[] bytes) {
        int status = response.statusCode();
        StringBuilder detail = new StringBuilder("HTTP " + status);
        List<String> codes = new ArrayList<>();
        if (bytes != null && bytes.length > 0 && !response.request().method().equals("HEAD")) {
            try {
                for (JsonNode error : JSON.readTree(bytes).path("errors")) {
                    String code = error.path("code").asText("");
                    codes.add(code);
                    detail.append(' ').append(code).append(": ").append(error.path("message").asText(""));
                }
            } catch (IOException | RuntimeException notJson) {
                // not the registry's error format; the status has to do
            }
        }
        String message = context + ": " + detail;
        if (status == 401 || status == 403) {
            return new UnauthorizedException(message + " (" + auth.describe(host) + ")");
        }
        if (status == 404) {
            return new NotFoundException(message);
        }
        if (status >= 500 || status == 429) {
            return new RegistryUnavailableException(message);
        }
        if (codes.contains("DIGEST_INVALID") || codes.contains("SIZE_INVALID")) {
            return new DigestMismatchException(message);
        }
        return new FailedPreconditionException(message);
    }

    /** Drains a streamed body so the connection can be reused; other bodies are already read. */
    static void discard(HttpResponse<?> response) {
        if (response.body() instanceof InputStream stream) {
            try (InputStream in = stream) {
                in.skip(Long.MAX_VALUE);
            } catch (IOException ignored) {
                // the connection is dropped instead of reused
            }
        }
    }

    /** Runs {@code check} every quarter of the stall timeout until the returned future is cancelled. */
    ScheduledFuture<?> watchStall(Runnable check) {
        long period = Math.max(50, options.stallTimeout().toMillis() / 4);
        return stallWatch.scheduleAtFixedRate(check, period, period, TimeUnit.MILLISECONDS);
    }

    static Map<String, String> headers(String... pairs) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            headers.put(pairs[i], pairs[i + 1]);
        }
        return headers;
    }

    static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    /**
     * Wraps a response body so that it fails ("no data for 30s") when nothing arrives for the stall
     * timeout: java.net.http has no read timeout, and a half-dead connection would hang a pull.
     */
    InputStream stallGuarded(InputStream body, String context) {
        return new StallGuard(body, context);
    }

    private final class StallGuard extends FilterInputStream {
        private final String context;
        private final ScheduledFuture<?> check;
        private volatile long lastProgress = System.nanoTime();
        private volatile boolean stalled;

        StallGuard(InputStream in, String context) {
            super(in);
            this.context = context;
            long period = Math.max(50, options.stallTimeout().toMillis() / 4);
            this.check = stallWatch.scheduleAtFixedRate(this::checkProgress, period, period, TimeUnit.MILLISECONDS);
        }

        private void checkProgress() {
            if (System.nanoTime() - lastProgress > options.stallTimeout().toNanos()) {
                stalled = true;
                check.cancel(false);
                try {
                    in.close(); // unblocks the reader with an IOException
                } catch (IOException ignored) {
                    // closing is all that is wanted
                }
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                int n = in.read(b, off, len);
                if (stalled) {
                    throw new IOException(context + ": no data for " + options.stallTimeout().toSeconds() + "s");
                }
                lastProgress = System.nanoTime();
                return n;
            } catch (IOException e) {
                if (stalled) {
                    throw new IOException(context + ": no data for " + options.stallTimeout().toSeconds() + "s", e);
                }
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            check.cancel(false);
            super.close();
        }
    }

    @Override
    public void close() {
        stallWatch.shutdownNow();
    }
}
