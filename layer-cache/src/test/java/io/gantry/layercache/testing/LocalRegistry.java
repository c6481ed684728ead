package io.gantry.layercache.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real OCI Distribution registry for tests: Debian's {@code docker-registry} (the reference
 * implementation, 2.8) serving a temp directory on a free loopback port.
 *
 * <pre>{@code
 * try (LocalRegistry registry = LocalRegistry.start(tempDir)) {
 *     String ref = registry.hostPort() + "/app:1";   // "127.0.0.1:PORT/app:1", plain HTTP
 * }
 * }</pre>
 *
 * <p>{@link #start} skips the calling test (a JUnit assumption, with the reason) when the binary is
 * not installed. The registry's log (level info, text) is kept in {@link #logFile()}; each request
 * is one "response completed" line, which {@link #requests()} parses (method, URI, status, bytes
 * written) so that tests can assert what really crossed the wire. {@link #close()} stops exactly the
 * process it started (SIGTERM to its pid, then SIGKILL) and is idempotent.
 */
public final class LocalRegistry implements AutoCloseable {

    public static final Path BINARY = Path.of("/usr/bin/docker-registry");

    /** One request as the registry logged it. */
    public record Request(String method, String uri, int status, long written) {
    }

    private static final Pattern FIELD = Pattern.compile("(http\\.request\\.method|http\\.request\\.uri|http\\.response\\.status|http\\.response\\.written)=(\"(?:[^\"\\\\]|\\\\.)*\"|\\S+)");

    private final Process process;
    private final int port;
    private final Path storageRoot;
    private final Path logFile;

    private LocalRegistry(Process process, int port, Path storageRoot, Path logFile) {
        this.process = process;
        this.port = port;
        this.storageRoot = storageRoot;
        this.logFile = logFile;
    }

    /** Starts a registry whose storage, config and log live under {@code workDir}. */
    public static LocalRegistry start(Path workDir) throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(BINARY),
                "needs Debian's docker-registry at " + BINARY + " (apt-get install docker-registry)");
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return startOnce(workDir, attempt);
            } catch (IOException e) {
                last = e; // most likely the port was taken between choosing and binding it
            }
        }
        throw last;
    }

    private static LocalRegistry startOnce(Path workDir, int attempt) throws IOException {
        int port = freePort();
        Path dir = Files.createDirectories(workDir.resolve("registry-" + port + "-" + attempt));
        Path storage = Files.createDirectories(dir.resolve("storage"));
        Path config = dir.resolve("config.yml");
        Path log = dir.resolve("registry.log");
        Files.writeString(config, String.join("\n",
                "version: 0.1",
                "log:",
                "  level: info",
                "  formatter: text",
                "  accesslog:",
                "    disabled: true",
                "storage:",
                "  filesystem:",
                "    rootdirectory: " + storage,
                "  delete:",
                "    enabled: true",
                "  maintenance:",
                "    uploadpurging:",
                "      enabled: false",
                "http:",
                "  addr: 127.0.0.1:" + port,
                "  secret: gantry-test-secret",
                ""));
        Process process = new ProcessBuilder(BINARY.toString(), "serve", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        LocalRegistry registry = new LocalRegistry(process, port, storage, log);
        try {
            registry.awaitReady(Duration.ofSeconds(15));
            return registry;
        } catch (IOException | RuntimeException e) {
            registry.close();
            throw e;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private void awaitReady(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("docker-registry exited with " + process.exitValue() + ": " + tail());
            }
            try {
                HttpURLConnection connection = (HttpURLConnection) uri().resolve("/v2/").toURL().openConnection();
                connection.setConnectTimeout(500);
                connection.setReadTimeout(1000);
                int status = connection.getResponseCode();
                connection.disconnect();
                if (status == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for docker-registry", e);
            }
        }
        throw new IOException("docker-registry did not answer GET /v2/ within " + timeout + ": " + tail());
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** {@code 127.0.0.1:PORT}, the registry host in image references. */
    public String hostPort() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** {@code http://127.0.0.1:PORT}. */
    public URI uri() {
        return URI.create("http://" + hostPort());
    }

    /** The registry's storage root ({@code docker/registry/v2/blobs/sha256/<2>/<hex>/data} inside). */
    public Path storageRoot() {
        return storageRoot;
    }

    /** Where the registry stores a blob's bytes: tests overwrite it to serve corrupt content. */
    public Path blobDataFile(String digest) {
        String hex = digest.substring(digest.indexOf(':') + 1);
        return storageRoot.resolve("docker/registry/v2/blobs/sha256").resolve(hex.substring(0, 2)).resolve(hex).resolve("data");
    }

    public Path logFile() {
        return logFile;
    }

    /** Every request the registry has logged so far, in order. */
    public List<Request> requests() throws IOException {
        List<Request> requests = new ArrayList<>();
        for (String line : Files.readAllLines(logFile, StandardCharsets.UTF_8)) {
            if (!line.contains("msg=\"response completed")) {
                continue;
            }
            String method = null;
            String uri = null;
            int status = 0;
            long written = 0;
            Matcher m = FIELD.matcher(line);
            while (m.find()) {
                String value = m.group(2);
                if (value.startsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                switch (m.group(1)) {
                    case "http.request.method" -> method = value;
                    case "http.request.uri" -> uri = value;
                    case "http.response.status" -> status = Integer.parseInt(value);
                    case "http.response.written" -> written = Long.parseLong(value);
                    default -> { }
                }
            }
            if (method != null && uri != null) {
                requests.add(new Request(method, uri, status, written));
            }
        }
        return requests;
    }

    /**
     * The logged requests matching {@code filter}, after waiting (up to a few seconds) until at least
     * {@code atLeast} of them are there: the registry logs a request just after answering it.
     */
    public List<Request> awaitRequests(Predicate<Request> filter, int atLeast) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            List<Request> matching = requests().stream().filter(filter).toList();
            if (matching.size() >= atLeast || System.nanoTime() > deadline) {
                return matching;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return matching;
            }
        }
    }

    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy(); // SIGTERM to this pid only
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
