package io.gantry.layercache.distribution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Registry credentials by host, read from the same small JSON file Docker and Podman write
 * ({@code ~/.docker/config.json}, {@code auth.json}):
 *
 * <pre>{@code
 * {"auths": {"registry.example.com": {"auth": "base64(user:password)"},
 *            "127.0.0.1:5000": {"username": "ci", "password": "secret"}}}
 * }</pre>
 *
 * Keys may also be written as URLs ({@code https://index.docker.io/v1/}); the host is what counts.
 * Credential helpers are not run. The same credentials serve basic auth and, sent to a Bearer
 * token endpoint, token requests.
 *
 * <p>A host may instead have a <b>registry token</b> (Docker's {@code registrytoken}): a bearer
 * token sent as it is on every request, with no challenge and no token server. Gantry's peers use
 * it: an agent's {@code /v2/} blob route wants the cluster's API token
 * ({@link #withRegistryToken}, host {@code "*"} for every host a client talks to).
 */
public final class RegistryCredentials {

    /** A user and password for one registry host. */
    public record Credential(String username, String password) {
        public String basicHeader() {
            String pair = username + ":" + password;
            return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String toString() {
            return "Credential[" + username + ", ****]";
        }
    }

    private static final RegistryCredentials NONE = new RegistryCredentials(Map.of(), Map.of());

    /** The host key of a registry token that applies to every host. */
    public static final String ANY_HOST = "*";

    private final Map<String, Credential> byHost;
    private final Map<String, String> registryTokens;

    private RegistryCredentials(Map<String, Credential> byHost) {
        this(byHost, Map.of());
    }

    private RegistryCredentials(Map<String, Credential> byHost, Map<String, String> registryTokens) {
        this.byHost = Map.copyOf(byHost);
        this.registryTokens = Map.copyOf(registryTokens);
    }

    /**
     * These credentials plus a bearer token sent up front to {@code host} ({@link #ANY_HOST}: to
     * every host without a token of its own).
     */
    public RegistryCredentials withRegistryToken(String host, String token) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("registry token for " + host + " must not be empty");
        }
        Map<String, String> tokens = new LinkedHashMap<>(registryTokens);
        tokens.put(host.equals(ANY_HOST) ? ANY_HOST : hostOf(host), token);
        return new RegistryCredentials(byHost, tokens);
    }

    /** The bearer token to send to {@code host} without being asked, if one is configured. */
    public Optional<String> registryToken(String host) {
        String token = registryTokens.get(hostOf(host));
        return Optional.ofNullable(token != null ? token : registryTokens.get(ANY_HOST));
    }

    public static RegistryCredentials none() {
        return NONE;
    }

    public static RegistryCredentials of(Map<String, Credential> byHost) {
        Map<String, Credential> normalised = new LinkedHashMap<>();
        byHost.forEach((host, credential) -> normalised.put(hostOf(host), credential));
        return new RegistryCredentials(normalised);
    }

    /** Reads a Docker-style config file; a missing file means no credentials. */
    public static RegistryCredentials load(Path file) throws IOException {
        byte[] json;
        try {
            json = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return NONE;
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new IOException("registry credentials " + file + ": not valid JSON: " + e.getMessage(), e);
        }
        Map<String, Credential> byHost = new LinkedHashMap<>();
        Map<String, String> tokens = new LinkedHashMap<>();
        JsonNode auths = root == null ? null : root.get("auths");
        if (auths != null && auths.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                JsonNode token = entry.getValue().get("registrytoken");
                if (token != null && !token.asText().isEmpty()) {
                    tokens.put(hostOf(entry.getKey()), token.asText());
                    continue;
                }
                byHost.put(hostOf(entry.getKey()), parse(file, entry.getKey(), entry.getValue()));
            }
        }
        return new RegistryCredentials(byHost, tokens);
    }

    private static Credential parse(Path file, String key, JsonNode node) throws IOException {
        String where = "registry credentials " + file + ": auths." + key;
        if (node.hasNonNull("auth") && !node.get("auth").asText().isEmpty()) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(node.get("auth").asText()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new IOException(where + ".auth is not base64", e);
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                throw new IOException(where + ".auth does not decode to user:password");
            }
            return new Credential(decoded.substring(0, colon), decoded.substring(colon + 1));
        }
        if (node.hasNonNull("username") && node.hasNonNull("password")) {
            return new Credential(node.get("username").asText(), node.get("password").asText());
        }
        throw new IOException(where + " has neither auth nor username and password");
    }

    public Optional<Credential> forHost(String host) {
        return Optional.ofNullable(byHost.get(hostOf(host)));
    }

    /** "https://index.docker.io/v1/" and "index.docker.io" both mean the host. */
    static String hostOf(String key) {
        String host = key;
        int scheme = host.indexOf("://");
        if (scheme >= 0) {
            host = host.substring(scheme + 3);
        }
        int slash = host.indexOf('/');
        if (slash >= 0) {
            host = host.substring(0, slash);
        }
        return host.toLowerCase(java.util.Locale.ROOT);
    }
}
