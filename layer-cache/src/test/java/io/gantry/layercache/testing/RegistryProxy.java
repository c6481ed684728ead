package io.gantry.layercache.testing;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A small HTTP proxy (JDK HttpServer) in front of a registry, on its own loopback port, that sees
 * and can spoil what crosses the wire: it counts requests and body bytes per path, can cut a
 * blob download after N bytes (once), ignore {@code Range}, corrupt blob bodies, and put a gate in
 * front (an auth front door answering 401s with a challenge). Location headers are rewritten so
 * that uploads keep coming through the proxy.
 */
public final class RegistryProxy implements AutoCloseable {

    /** One proxied request: method, path with query, the Range asked for, status, body bytes sent back. */
    public record Exchange(String method, String path, String range, int status, long bytesSent) {
    }

    /**
     * Decides whether a request may pass; returns null to let it through, or the response
     * (status, headers) to send instead.
     */
    public interface Gate extends Function<HttpExchange, Rejection> {
    }

    /** A response the gate sends instead of forwarding. */
    public record Rejection(int status, Map<String, String> headers) {
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "registry-proxy");
        t.setDaemon(true);
        return t;
    });
    private final URI upstream;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final List<Exchange> exchanges = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicLong> bytesByPath = new ConcurrentHashMap<>();
    private final Map<String, Long> cutOnce = new ConcurrentHashMap<>();
    private final Set<String> corrupt = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> failOnce = new ConcurrentHashMap<>();
    private final Map<String, Long> stallOnce = new ConcurrentHashMap<>();
    private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
    private volatile boolean ignoreRange;
    private volatile boolean forwardAuthorization;
    private volatile Gate gate;

    private RegistryProxy(URI upstream) throws IOException {
        this.upstream = upstream;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    public static RegistryProxy start(URI upstream) throws IOException {
        return new RegistryProxy(upstream);
    }

    public String hostPort() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    public URI uri() {
        return URI.create("http://" + hostPort());
    }

    /** The next GET of a path ending with {@code pathSuffix} is cut after {@code bytes} body bytes. */
    public void cutOnce(String pathSuffix, long bytes) {
        cutOnce.put(pathSuffix, bytes);
    }

    /** The next request for a path ending with {@code pathSuffix} is answered {@code status} (e.g. 503) without forwarding. */
    public void failOnce(String pathSuffix, int status) {
        failOnce.put(pathSuffix, status);
    }

    /** The next GET of a path ending with {@code pathSuffix} stops sending (but keeps the connection) after {@code bytes}. */
    public void stallOnce(String pathSuffix, long bytes) {
        stallOnce.put(pathSuffix, bytes);
    }

    /** GETs of paths ending with {@code pathSuffix} get their first body byte flipped. */
    public void corrupt(String pathSuffix) {
        corrupt.add(pathSuffix);
    }

    /** Drop the Range header: the registry then answers 200 with the whole blob. */
    public void ignoreRange(boolean ignore) {
        this.ignoreRange = ignore;
    }

    /** Pass the client's Authorization header on (off by default: a gate stands in for auth). */
    public void forwardAuthorization(boolean forward) {
        this.forwardAuthorization = forward;
    }

    public void gate(Gate gate) {
        this.gate = gate;
    }

    public List<Exchange> exchanges() {
        return List.copyOf(exchanges);
    }

    public List<Exchange> exchanges(Predicate<Exchange> filter) {
        return exchanges.stream().filter(filter).toList();
    }

    /** Body bytes sent back for paths ending with {@code pathSuffix}. */
    public long bytesSent(String pathSuffix) {
        return bytesByPath.entrySet().stream().filter(e -> e.getKey().endsWith(pathSuffix))
                .mapToLong(e -> e.getValue().get()).sum();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            String query = exchange.getRequestURI().getRawQuery();
            String pathAndQuery = path + (query == null ? "" : "?" + query);
            Gate g = gate;
            Rejection rejection = g == null ? null : g.apply(exchange);
            if (rejection != null) {
                exchange.getRequestBody().readAllBytes();
                rejection.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
                exchange.sendResponseHeaders(rejection.status(), -1);
                exchanges.add(new Exchange(method, pathAndQuery, null, rejection.status(), 0));
                return;
            }
            for (String suffix : failOnce.keySet()) {
                if (path.endsWith(suffix)) {
                    Integer status = failOnce.remove(suffix);
                    if (status != null) {
                        exchange.getRequestBody().readAllBytes();
                        exchange.sendResponseHeaders(status, -1);
                        exchanges.add(new Exchange(method, pathAndQuery, null, status, 0));
                        return;
                    }
                }
            }
            byte[] requestBody = exchange.getRequestBody().readAllBytes();
            HttpRequest.Builder forward = HttpRequest.newBuilder(upstream.resolve(pathAndQuery))
                    .method(method, requestBody.length == 0 && !method.equals("PUT") && !method.equals("PATCH")
                            && !method.equals("POST")
                            ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(requestBody));
            String range = null;
            for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
                String name = header.getKey();
                if (isRestricted(name) || (name.equalsIgnoreCase("Authorization") && !forwardAuthorization)) {
                    continue;
                }
                if (name.equalsIgnoreCase("Range")) {
                    range = header.getValue().get(0);
                    if (ignoreRange) {
                        continue;
                    }
                }
                for (String value : header.getValue()) {
                    forward.header(name, value);
                }
            }
            HttpResponse<InputStream> response;
            try {
                response = client.send(forward.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.sendResponseHeaders(502, -1);
                return;
            }
            Headers out = exchange.getResponseHeaders();
            response.headers().map().forEach((name, values) -> {
                if (name.equalsIgnoreCase("content-length") || name.equalsIgnoreCase("transfer-encoding")
                        || name.equalsIgnoreCase("connection") || name.equalsIgnoreCase(":status")) {
                    return;
                }
                for (String value : values) {
                    out.add(name, name.equalsIgnoreCase("location")
                            ? value.replace(upstream.getRawAuthority(), hostPort()) : value);
                }
            });
            long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            boolean noBody = method.equals("HEAD") || response.statusCode() == 204 || response.statusCode() == 304;
            if (noBody) {
                response.body().close();
                if (method.equals("HEAD") && length >= 0) {
                    out.set("Content-Length", Long.toString(length));
                }
                exchange.sendResponseHeaders(response.statusCode(), -1);
                exchanges.add(new Exchange(method, pathAndQuery, range, response.statusCode(), 0));
                return;
            }
            Long cutAfter = null;
            Long stallAfter = null;
            boolean flip = false;
            if (method.equals("GET")) {
                for (String suffix : stallOnce.keySet()) {
                    if (path.endsWith(suffix)) {
                        stallAfter = stallOnce.remove(suffix);
                        break;
                    }
                }
                for (String suffix : cutOnce.keySet()) {
                    if (path.endsWith(suffix)) {
                        cutAfter = cutOnce.remove(suffix);
                        break;
                    }
                }
                flip = corrupt.stream().anyMatch(path::endsWith);
            }
            exchange.sendResponseHeaders(response.statusCode(), length == 0 ? -1 : Math.max(length, 0));
            AtomicLong counter = bytesByPath.computeIfAbsent(path, p -> new AtomicLong());
            long sent = 0;
            try (InputStream in = response.body(); OutputStream body = exchange.getResponseBody()) {
                byte[] buffer = new byte[64 * 1024];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    if (flip && sent == 0) {
                        buffer[0] ^= 0x55;
                    }
                    if (stallAfter != null && sent + n > stallAfter) {
                        int part = (int) (stallAfter - sent);
                        body.write(buffer, 0, part);
                        body.flush();
                        sent += part;
                        counter.addAndGet(part);
                        exchanges.add(new Exchange(method, pathAndQuery, range, response.statusCode(), sent));
                        try {
                            closed.await(10, java.util.concurrent.TimeUnit.SECONDS); // silence, connection open
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        throw new IOException("stalled by the test proxy after " + sent + " bytes");
                    }
                    if (cutAfter != null && sent + n > cutAfter) {
                        int part = (int) (cutAfter - sent);
                        body.write(buffer, 0, part);
                        body.flush();
                        sent += part;
                        counter.addAndGet(part);
                        exchanges.add(new Exchange(method, pathAndQuery, range, response.statusCode(), sent));
                        // closing the connection mid-body: the client sees a truncated response
                        throw new IOException("cut by the test proxy after " + sent + " bytes");
                    }
                    body.write(buffer, 0, n);
                    sent += n;
                    counter.addAndGet(n);
                }
            }
            exchanges.add(new Exchange(method, pathAndQuery, range, response.statusCode(), sent));
        }
    }

    private static boolean isRestricted(String name) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        return n.equals("host") || n.equals("connection") || n.equals("content-length") || n.equals("expect")
                || n.equals("upgrade") || n.equals("transfer-encoding") || n.equals("keep-alive");
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
