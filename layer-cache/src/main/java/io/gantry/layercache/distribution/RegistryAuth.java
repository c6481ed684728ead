package io.gantry.layercache.distribution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gantry.layercache.RegistryUnavailableException;
import io.gantry.layercache.UnauthorizedException;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Registry authentication as Docker clients do it. A host's first request goes out without
 * credentials; its 401 names the scheme in {@code WWW-Authenticate}:
 * <ul>
 *   <li>{@code Basic}: the host's configured user and password on every later request;</li>
 *   <li>{@code Bearer realm=…,service=…,scope=…}: a token from the realm
 *       ({@code GET realm?service=…&scope=…}, with basic credentials when the host has some,
 *       anonymously otherwise), cached per realm, service and scope set until it expires.</li>
 * </ul>
 * The challenge is remembered per host, so later requests (other blobs, other repositories)
 * authenticate up front instead of paying a 401 each.
 */
final class RegistryAuth {

    private record Token(String value, Instant expires) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final RegistryCredentials credentials;
    private final Clock clock;
    private final Duration timeout;
    private final ConcurrentHashMap<String, AuthChallenge> challengeByHost = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Token> tokens = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Object> fetchLocks = new ConcurrentHashMap<>();

    RegistryAuth(HttpClient http, RegistryCredentials credentials, Clock clock, Duration timeout) {
        this.http = http;
        this.credentials = credentials;
        this.clock = clock;
        this.timeout = timeout;
    }

    /** The Authorization header for a request to {@code host} needing {@code scopes}, if the host wants one. */
    Optional<String> authorization(String host, List<String> scopes) throws IOException {
        Optional<String> registryToken = credentials.registryToken(host);
        if (registryToken.isPresent()) {
            return Optional.of("Bearer " + registryToken.get());
        }
        AuthChallenge challenge = challengeByHost.get(host);
        if (challenge == null) {
            return Optional.empty();
        }
        if (challenge.scheme().equals("basic")) {
            return credentials.forHost(host).map(RegistryCredentials.Credential::basicHeader);
        }
        return Optional.of("Bearer " + token(host, challenge, scopes));
    }

    /**
     * Learns from a 401. Returns the scopes to retry with (the request's plus any the challenge
     * names), or null when a retry cannot help: the host asked for a scheme Gantry does not speak,
     * or there is nothing new to send.
     */
    List<String> onUnauthorized(String host, HttpResponse<?> response, List<String> scopes, String sentAuthorization) {
        if (credentials.registryToken(host).isPresent()) {
            return null; // the configured token was refused; no challenge can do better
        }
        List<AuthChallenge> challenges = response.headers().allValues("WWW-Authenticate").stream()
                .flatMap(value -> AuthChallenge.parse(value).stream())
                .toList();
        Optional<AuthChallenge> bearer = challenges.stream()
                .filter(c -> c.scheme().equals("bearer") && c.param("realm") != null).findFirst();
        Optional<AuthChallenge> basic = challenges.stream().filter(c -> c.scheme().equals("basic")).findFirst();
        if (bearer.isPresent()) {
            AuthChallenge challenge = bearer.get();
            challengeByHost.put(host, challenge);
            List<String> retryScopes = scopesFor(challenge, scopes);
            String key = tokenKey(challenge, retryScopes);
            Token cached = tokens.get(key);
            if (cached != null && sentAuthorization != null && sentAuthorization.equals("Bearer " + cached.value())) {
                tokens.remove(key); // refused: maybe revoked; get a fresh one once
            }
            return sentAuthorization == null || sentAuthorization.startsWith("Bearer ") ? retryScopes : null;
        }
        if (basic.isPresent()) {
            challengeByHost.put(host, basic.get());
            return sentAuthorization == null && credentials.forHost(host).isPresent() ? scopes : null;
        }
        return null;
    }

    /** Why a request stayed unauthorized, for the error message. */
    String describe(String host) {
        if (credentials.registryToken(host).isPresent()) {
            return "registry token configured";
        }
        AuthChallenge challenge = challengeByHost.get(host);
        String who = credentials.forHost(host).map(c -> "user " + c.username()).orElse("no credentials configured");
        if (challenge == null) {
            return who;
        }
        return challenge.scheme() + " auth, " + who;
    }

    /**
     * The request's scopes plus those the challenge names that they do not already grant (the
     * registry knows what the request needs; "repository:app:pull,push" already grants pull).
     */
    private static List<String> scopesFor(AuthChallenge challenge, List<String> scopes) {
        TreeSet<String> all = new TreeSet<>(scopes);
        String asked = challenge.param("scope");
        if (asked != null && !asked.isBlank()) {
            for (String needed : asked.split(" ")) {
                if (!grants(scopes, needed)) {
                    all.add(needed);
                }
            }
        }
        return List.copyOf(all);
    }

    /** Whether {@code scopes} ("type:name:action,action") grant every action of {@code needed}. */
    static boolean grants(List<String> scopes, String needed) {
        int cut = needed.lastIndexOf(':');
        if (cut <= 0) {
            return scopes.contains(needed);
        }
        String resource = needed.substring(0, cut);
        for (String action : needed.substring(cut + 1).split(",")) {
            boolean granted = false;
            for (String scope : scopes) {
                int c = scope.lastIndexOf(':');
                if (c > 0 && scope.substring(0, c).equals(resource)
                        && List.of(scope.substring(c + 1).split(",")).contains(action)) {
                    granted = true;
                    break;
                }
            }
            if (!granted) {
                return false;
            }
        }
        return true;
    }

    private static String tokenKey(AuthChallenge challenge, List<String> scopes) {
        return challenge.param("realm") + "|" + challenge.param("service") + "|" + String.join(" ", scopes);
    }

    private String token(String host, AuthChallenge challenge, List<String> requestScopes) throws IOException {
        List<String> scopes = List.copyOf(new TreeSet<>(requestScopes));
        String key = tokenKey(challenge, scopes);
        Token cached = tokens.get(key);
        if (cached != null && clock.instant().isBefore(cached.expires())) {
            return cached.value();
        }
        // parallel blob transfers hit the first challenge together: one token request per key
        synchronized (fetchLocks.computeIfAbsent(key, k -> new Object())) {
            cached = tokens.get(key);
            if (cached != null && clock.instant().isBefore(cached.expires())) {
                return cached.value();
            }
            Token fresh = fetchToken(host, challenge, scopes);
            tokens.put(key, fresh);
            return fresh.value();
        }
    }

    private Token fetchToken(String host, AuthChallenge challenge, List<String> scopes) throws IOException {
        String realm = challenge.param("realm");
        StringBuilder query = new StringBuilder();
        if (challenge.param("service") != null) {
            query.append("service=").append(URLEncoder.encode(challenge.param("service"), StandardCharsets.UTF_8));
        }
        for (String scope : scopes) {
            query.append(query.length() == 0 ? "" : "&").append("scope=")
                    .append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
        }
        URI uri;
        try {
            uri = URI.create(realm + (query.length() == 0 ? "" : (realm.contains("?") ? "&" : "?") + query));
        } catch (IllegalArgumentException e) {
            throw new UnauthorizedException("registry " + host + " named an invalid token realm '" + realm + "'", e);
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).GET();
        Optional<RegistryCredentials.Credential> credential = credentials.forHost(host);
        credential.ifPresent(c -> request.header("Authorization", c.basicHeader()));
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while fetching a token from " + realm);
        } catch (IOException e) {
            throw new RegistryUnavailableException("token server " + realm + " for " + host + ": " + e, e);
        }
        int status = response.statusCode();
        if (status == 401 || status == 403) {
            throw new UnauthorizedException("token server " + realm + " refused "
                    + credential.map(c -> "user " + c.username()).orElse("anonymous access")
                    + " for " + String.join(" ", scopes) + " (HTTP " + status + ")");
        }
        if (status != 200) {
            throw new RegistryUnavailableException("token server " + realm + " answered HTTP " + status);
        }
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UnauthorizedException("token server " + realm + " answered with invalid JSON", e);
        }
        String token = body.hasNonNull("token") ? body.get("token").asText()
                : body.hasNonNull("access_token") ? body.get("access_token").asText() : null;
        if (token == null || token.isEmpty()) {
            throw new UnauthorizedException("token server " + realm + " answered without a token");
        }
        long expiresIn = body.hasNonNull("expires_in") ? Math.max(body.get("expires_in").asLong(), 60) : 60;
        // renew a little early so a token does not expire between choosing it and using it
        return new Token(token, clock.instant().plusSeconds(expiresIn - 10));
    }
}
