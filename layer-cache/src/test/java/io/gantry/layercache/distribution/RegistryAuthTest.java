package io.gantry.layercache.distribution;

import com.sun.net.httpserver.HttpServer;
import io.gantry.layercache.UnauthorizedException;
import io.gantry.layercache.content.ContentStore;
import io.gantry.layercache.image.ImageBuilder;
import io.gantry.layercache.image.ImageStore;
import io.gantry.layercache.testing.LocalRegistry;
import io.gantry.layercache.testing.RegistryProxy;
import io.gantry.layercache.testing.TestImages;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.Platform;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Registry authentication against a real registry behind an auth front door (the test proxy's
 * gate) and a small token server, both JDK HttpServers on loopback.
 */
class RegistryAuthTest {

    static final String USER = "ci";
    static final String PASSWORD = "s3cret";

    @TempDir
    static Path registryDir;
    static LocalRegistry registry;

    @TempDir
    Path dir;
    RegistryProxy proxy;
    HttpServer tokenServer;
    final List<Map<String, String>> tokenRequests = new CopyOnWriteArrayList<>();
    final Map<String, Set<String>> grantedScopes = new ConcurrentHashMap<>();
    final AtomicInteger issued = new AtomicInteger();

    @BeforeAll
    static void startRegistry() throws IOException {
        registry = LocalRegistry.start(registryDir);
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    @BeforeEach
    void startFrontDoor() throws IOException {
        proxy = RegistryProxy.start(registry.uri());
        tokenServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        tokenServer.createContext("/token", exchange -> {
            try (exchange) {
                Map<String, String> request = new java.util.LinkedHashMap<>();
                String query = exchange.getRequestURI().getRawQuery();
                List<String> scopes = new ArrayList<>();
                for (String pair : query == null ? new String[0] : query.split("&")) {
                    String[] kv = pair.split("=", 2);
                    String value = URLDecoder.decode(kv.length > 1 ? kv[1] : "", StandardCharsets.UTF_8);
                    if (kv[0].equals("scope")) {
                        scopes.add(value);
                    } else {
                        request.put(kv[0], value);
                    }
                }
                request.put("scope", String.join(" ", scopes));
                String authorization = exchange.getRequestHeaders().getFirst("Authorization");
                request.put("authorization", authorization == null ? "" : authorization);
                tokenRequests.add(request);
                if (!basic(USER, PASSWORD).equals(authorization)) {
                    exchange.sendResponseHeaders(401, -1);
                    return;
                }
                String token = "token-" + issued.incrementAndGet();
                grantedScopes.put(token, Set.copyOf(scopes));
                byte[] body = ("{\"token\":\"" + token + "\",\"expires_in\":300}").getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        tokenServer.start();
    }

    @AfterEach
    void stopFrontDoor() {
        proxy.close();
        tokenServer.stop(0);
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** The scope a request needs, as a token-protected registry would compute it. */
    static String neededScope(String method, String path) {
        String rest = path.substring("/v2/".length());
        int cut = rest.indexOf("/manifests/");
        if (cut < 0) {
            cut = rest.indexOf("/blobs/");
        }
        String repository = rest.substring(0, cut);
        boolean write = method.equals("PUT") || method.equals("POST") || method.equals("PATCH");
        return "repository:" + repository + ":" + (write ? "pull,push" : "pull");
    }

    void requireBearerTokens() {
        String realm = "http://127.0.0.1:" + tokenServer.getAddress().getPort() + "/token";
        proxy.gate(exchange -> {
            String path = exchange.getRequestURI().getRawPath();
            if (path.equals("/v2/") || path.equals("/v2")) {
                return new RegistryProxy.Rejection(401, Map.of("WWW-Authenticate",
                        "Bearer realm=\"" + realm + "\",service=\"gantry-test\""));
            }
            String scope = neededScope(exchange.getRequestMethod(), path);
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (authorization != null && authorization.startsWith("Bearer ")
                    && allows(grantedScopes.get(authorization.substring("Bearer ".length())), scope)) {
                return null;
            }
            return new RegistryProxy.Rejection(401, Map.of("WWW-Authenticate",
                    "Bearer realm=\"" + realm + "\",service=\"gantry-test\",scope=\"" + scope + "\""));
        });
    }

    /** Token auth semantics: "repository:r:pull,push" grants pull and push on r. */
    static boolean allows(Set<String> granted, String needed) {
        if (granted == null) {
            return false;
        }
        int cut = needed.lastIndexOf(':');
        String resource = needed.substring(0, cut);
        for (String action : needed.substring(cut + 1).split(",")) {
            boolean ok = granted.stream().anyMatch(g -> g.substring(0, g.lastIndexOf(':')).equals(resource)
                    && List.of(g.substring(g.lastIndexOf(':') + 1).split(",")).contains(action));
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    void requireBasic() {
        proxy.gate(exchange -> basic(USER, PASSWORD).equals(exchange.getRequestHeaders().getFirst("Authorization"))
                ? null
                : new RegistryProxy.Rejection(401, Map.of("WWW-Authenticate", "Basic realm=\"gantry-test\"")));
    }

    RegistryOptions options(String password) {
        return RegistryOptions.defaults().withPlainHttp(true)
                .withCredentials(RegistryCredentials.of(Map.of(proxy.hostPort(),
                        new RegistryCredentials.Credential(USER, password))));
    }

    @Test
    void bearerTokenChallengeIsAnsweredCachedAndScopedPerRepository() throws IOException {
        requireBearerTokens();
        ImageStore local = ImageStore.open(ContentStore.open(dir.resolve("local")));
        ImageReference name = ImageReference.parse(proxy.hostPort() + "/team/app:1");
        TestImages.busybox(local, name, ImageBuilder.Format.OCI);
        try (RegistryClient client = new RegistryClient(local, options(PASSWORD))) {
            client.push(name, name, PushProgress.NONE);
        }
        ImageStore fresh = ImageStore.open(ContentStore.open(dir.resolve("fresh")));
        try (RegistryClient client = new RegistryClient(fresh, options(PASSWORD))) {
            client.pull(name, Platform.of("linux", "amd64"), PullProgress.NONE);
        }
        assertTrue(tokenRequests.stream().allMatch(r -> r.get("service").equals("gantry-test")
                && r.get("authorization").equals(basic(USER, PASSWORD))), tokenRequests.toString());
        assertTrue(tokenRequests.stream().anyMatch(r -> r.get("scope").contains("repository:team/app:pull,push")),
                tokenRequests.toString());
        assertTrue(tokenRequests.stream().anyMatch(r -> r.get("scope").equals("repository:team/app:pull")),
                tokenRequests.toString());
        // four blobs and a manifest went each way, but a token is fetched once per scope set and cached
        assertEquals(2, tokenRequests.size(), "one token for the push, one for the pull: " + tokenRequests);
        long challenged = proxy.exchanges(e -> e.status() == 401).size();
        assertTrue(challenged <= 4, "after the first challenges requests carry their token up front: " + challenged);
    }

    @Test
    void aWrongPasswordIsRefusedByTheTokenServer() throws IOException {
        requireBearerTokens();
        ImageStore fresh = ImageStore.open(ContentStore.open(dir.resolve("fresh")));
        try (RegistryClient client = new RegistryClient(fresh, options("wrong"))) {
            UnauthorizedException e = assertThrows(UnauthorizedException.class, () -> client.pull(
                    ImageReference.parse(proxy.hostPort() + "/team/app:1"), Platform.of("linux", "amd64"),
                    PullProgress.NONE));
            assertTrue(e.getMessage().contains("token server http://127.0.0.1:" + tokenServer.getAddress().getPort()
                    + "/token refused user ci for repository:team/app:pull (HTTP 401)"), e.getMessage());
        }
    }

    @Test
    void basicAuthUsesTheConfiguredCredentials() throws IOException {
        requireBasic();
        ImageStore local = ImageStore.open(ContentStore.open(dir.resolve("local")));
        ImageReference name = ImageReference.parse(proxy.hostPort() + "/basic/app:1");
        TestImages.random(local, name, 5_000, 9, ImageBuilder.Format.DOCKER);
        try (RegistryClient client = new RegistryClient(local, options(PASSWORD))) {
            client.push(name, name, PushProgress.NONE);
        }
        ImageStore fresh = ImageStore.open(ContentStore.open(dir.resolve("fresh")));
        try (RegistryClient client = new RegistryClient(fresh, options(PASSWORD))) {
            client.pull(name, Platform.of("linux", "amd64"), PullProgress.NONE);
        }
        assertEquals(0, tokenRequests.size());

        try (RegistryClient anonymous = new RegistryClient(fresh,
                RegistryOptions.defaults().withPlainHttp(true))) {
            UnauthorizedException e = assertThrows(UnauthorizedException.class, () -> anonymous.pull(
                    name, Platform.of("linux", "amd64"), PullProgress.NONE));
            assertEquals("resolve " + name + ": HTTP 401 (basic auth, no credentials configured)", e.getMessage());
        }
    }

    @Test
    void credentialsAreReadFromADockerConfigFile() throws IOException {
        Path config = dir.resolve("auth.json");
        Files.writeString(config, "{\"auths\": {\"" + proxy.hostPort() + "\": {\"auth\": \""
                + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8))
                + "\"}, \"https://index.docker.io/v1/\": {\"username\": \"hub\", \"password\": \"pw\"}}}");
        RegistryCredentials credentials = RegistryCredentials.load(config);
        assertEquals(new RegistryCredentials.Credential(USER, PASSWORD), credentials.forHost(proxy.hostPort()).orElseThrow());
        assertEquals("hub", credentials.forHost("index.docker.io").orElseThrow().username());
        assertTrue(credentials.forHost("elsewhere.example").isEmpty());
        assertTrue(RegistryCredentials.load(dir.resolve("missing.json")).forHost("x").isEmpty());

        Files.writeString(config, "{\"auths\": {\"h\": {}}}");
        IOException bad = assertThrows(IOException.class, () -> RegistryCredentials.load(config));
        assertTrue(bad.getMessage().endsWith("auths.h has neither auth nor username and password"), bad.getMessage());
    }

    @Test
    void challengesAreParsedWithQuotedCommas() {
        List<AuthChallenge> parsed = AuthChallenge.parse(
                "Bearer realm=\"https://auth.example/token\",service=\"registry.example\","
                        + "scope=\"repository:a/b:pull,push\", Basic realm=\"x\"");
        assertEquals(2, parsed.size());
        assertEquals("bearer", parsed.get(0).scheme());
        assertEquals("repository:a/b:pull,push", parsed.get(0).param("scope"));
        assertEquals("registry.example", parsed.get(0).param("service"));
        assertEquals("basic", parsed.get(1).scheme());
        assertEquals("x", parsed.get(1).param("realm"));
    }
}
