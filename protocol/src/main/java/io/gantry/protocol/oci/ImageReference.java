package io.gantry.protocol.oci;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A reference to an image in a registry, normalised as Docker does (distribution's reference
 * grammar and its {@code ParseNormalizedNamed}):
 *
 * <pre>
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [ registry "/" ] path-component { "/" path-component }
 *   registry   := host [ ":" port ]        host: DNS name, IPv4, or [IPv6]
 *   path-component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag        := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
 * </pre>
 *
 * <p>The first component is the registry only if it contains a {@code '.'} or a {@code ':'}
 * or is {@code localhost}; otherwise the registry is {@code docker.io}, where a one-component
 * name is an official image under {@code library/}. {@code index.docker.io} is the same
 * registry. The tag defaults to {@code latest} only when there is no digest; with both, the
 * digest decides what is pulled and the tag is kept as information.
 *
 * <p>{@link #toString()} is the canonical, fully qualified form
 * ({@code docker.io/library/busybox:latest}); {@link #familiar()} the short form users type
 * ({@code busybox:latest}).
 *
 * @param registry   host[:port], e.g. {@code docker.io}, {@code localhost:5000}
 * @param repository the path within the registry, e.g. {@code library/busybox}
 * @param tag        the tag, or null when the reference is by digest only
 * @param digest     the manifest digest, or null
 */
public record ImageReference(String registry, String repository, String tag, Digest digest) {

    public static final String DEFAULT_REGISTRY = "docker.io";
    public static final String DEFAULT_TAG = "latest";
    public static final int NAME_MAX_LENGTH = 255;
    public static final int TAG_MAX_LENGTH = 128;

    private static final String LEGACY_DEFAULT_REGISTRY = "index.docker.io";
    private static final String DOCKER_HUB_ENDPOINT = "registry-1.docker.io";
    private static final String OFFICIAL_PREFIX = "library/";

    private static final Pattern PATH_COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("\\w[\\w.-]{0,127}");
    private static final Pattern HOST_LABEL = Pattern.compile("[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?");
    private static final Pattern IPV6_HOST = Pattern.compile("\\[[a-fA-F0-9:.]+]");
    private static final Pattern IMAGE_ID = Pattern.compile("[a-f0-9]{64}");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(?:\\.\\d{1,3}){3}");

    public ImageReference {
        String text = assemble(registry, repository, tag, digest);
        if (registry == null || registry.isEmpty()) {
            throw new InvalidReferenceException(text, "registry is required");
        }
        checkRegistry(text, registry);
        if (repository == null || repository.isEmpty()) {
            throw new InvalidReferenceException(text, "repository is required");
        }
        checkRepository(text, repository);
        checkNameLength(text, registry, repository);
        if (tag != null) {
            checkTag(text, tag);
        }
        if (tag == null && digest == null) {
            throw new InvalidReferenceException(text, "a reference needs a tag or a digest");
        }
    }

    /**
     * Parses and normalises a reference as a user or a job spec writes it.
     *
     * @throws InvalidReferenceException naming the rule the text breaks
     */
    @JsonCreator
    public static ImageReference parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new InvalidReferenceException(String.valueOf(text), "empty reference");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                throw new InvalidReferenceException(text, "contains whitespace");
            }
            if (Character.isISOControl(c)) {
                throw new InvalidReferenceException(text, "contains a control character");
            }
        }

        String name = text;
        String tag = null;
        Digest digest = null;
        int at = text.indexOf('@');
        if (at >= 0) {
            if (text.indexOf('@', at + 1) >= 0) {
                throw new InvalidReferenceException(text, "more than one '@'");
            }
            String digestText = text.substring(at + 1);
            if (digestText.isEmpty()) {
                throw new InvalidReferenceException(text, "missing digest after '@'");
            }
            try {
                digest = Digest.parse(digestText);
            } catch (IllegalArgumentException e) {
                String why = e.getMessage().startsWith("digest: ") ? e.getMessage().substring(8) : e.getMessage();
                throw new InvalidReferenceException(text, "invalid digest '" + digestText + "': " + why);
            }
            name = text.substring(0, at);
        }

        // A ':' after the last '/' starts the tag; one before it belongs to the registry's port.
        int colon = name.indexOf(':', name.lastIndexOf('/') + 1);
        if (colon >= 0) {
            tag = name.substring(colon + 1);
            name = name.substring(0, colon);
            if (tag.isEmpty()) {
                throw new InvalidReferenceException(text, "trailing ':' with no tag after it");
            }
            checkTag(text, tag);
        }

        if (name.isEmpty()) {
            throw new InvalidReferenceException(text, "missing repository name");
        }
        if (name.startsWith("/")) {
            throw new InvalidReferenceException(text, "starts with '/'");
        }
        if (name.endsWith("/")) {
            throw new InvalidReferenceException(text, "ends with '/' (no name after it)");
        }
        if (name.contains("//")) {
            throw new InvalidReferenceException(text, "empty path component ('//')");
        }

        String registry = DEFAULT_REGISTRY;
        String path = name;
        int slash = name.indexOf('/');
        if (slash > 0) {
            String first = name.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
                checkRegistry(text, first);
                registry = LEGACY_DEFAULT_REGISTRY.equals(first) ? DEFAULT_REGISTRY : first;
                path = name.substring(slash + 1);
            }
        } else if (tag == null && digest == null && IMAGE_ID.matcher(name).matches()) {
            throw new InvalidReferenceException(text, "a 64-character hex string is an image id, not a repository name");
        }
        checkRepository(text, path);
        if (DEFAULT_REGISTRY.equals(registry) && path.indexOf('/') < 0) {
            path = OFFICIAL_PREFIX + path;
        }
        checkNameLength(text, registry, path);
        if (tag == null && digest == null) {
            tag = DEFAULT_TAG;
        }
        return new ImageReference(registry, path, tag, digest);
    }

    /** {@code registry/repository}, e.g. {@code docker.io/library/busybox}. */
    public String name() {
        return registry + "/" + repository;
    }

    /** The name as users type it: Docker Hub's host and {@code library/} left out. */
    public String familiarName() {
        if (!DEFAULT_REGISTRY.equals(registry)) {
            return name();
        }
        if (repository.startsWith(OFFICIAL_PREFIX) && repository.indexOf('/', OFFICIAL_PREFIX.length()) < 0) {
            return repository.substring(OFFICIAL_PREFIX.length());
        }
        return repository;
    }

    /** The short form, e.g. {@code busybox:latest} or {@code localhost:5000/app@sha256:...}. */
    public String familiar() {
        return familiarName() + suffix();
    }

    /** The same image pinned to a manifest digest; the tag, if any, is kept. */
    public ImageReference withDigest(Digest d) {
        return new ImageReference(registry, repository, tag, d);
    }

    /** The same repository with another tag; a digest, if any, is kept. */
    public ImageReference withTag(String t) {
        return new ImageReference(registry, repository, t, digest);
    }

    public boolean hasTag() {
        return tag != null;
    }

    public boolean hasDigest() {
        return digest != null;
    }

    /** What a registry request names: the digest when there is one, else the tag. */
    public String manifestReference() {
        return digest != null ? digest.toString() : tag;
    }

    /**
     * The host (and port) to talk the Distribution API to: Docker Hub's images live under
     * {@code docker.io} but its API answers at {@code registry-1.docker.io}.
     */
    public String registryEndpoint() {
        return DEFAULT_REGISTRY.equals(registry) ? DOCKER_HUB_ENDPOINT : registry;
    }

    /**
     * Whether the registry is this machine ({@code localhost}, 127.0.0.0/8, {@code [::1]}), where
     * Docker allows plain HTTP without configuration. No name is resolved.
     */
    public boolean isLocalhostOrLoopback() {
        String host = host(registry);
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        boolean literal = host.startsWith("[") || IPV4.matcher(host).matches();
        if (!literal) {
            return false;
        }
        String address = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        try {
            // Only literals get here, so getByName parses and never queries DNS.
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The canonical form: {@code registry/repository[:tag][@digest]}. */
    @JsonValue
    @Override
    public String toString() {
        return name() + suffix();
    }

    private String suffix() {
        return (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
    }

    private static String host(String registry) {
        if (registry.startsWith("[")) {
            return registry.substring(0, registry.indexOf(']') + 1);
        }
        int colon = registry.lastIndexOf(':');
        return colon < 0 ? registry : registry.substring(0, colon);
    }

    private static String assemble(String registry, String repository, String tag, Digest digest) {
        return registry + "/" + repository + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
    }

    private static void checkTag(String text, String tag) {
        if (tag.length() > TAG_MAX_LENGTH) {
            throw new InvalidReferenceException(text, "tag is " + tag.length() + " characters, longer than "
                    + TAG_MAX_LENGTH);
        }
        if (!TAG.matcher(tag).matches()) {
            throw new InvalidReferenceException(text, "invalid tag '" + tag + "': a tag is letters, digits, '_', '.' "
                    + "and '-', and does not start with '.' or '-'");
        }
    }

    private static void checkRegistry(String text, String registry) {
        String host = registry;
        String port = null;
        boolean ipv6 = registry.startsWith("[");
        if (ipv6) {
            int close = registry.indexOf(']');
            if (close < 0) {
                throw new InvalidReferenceException(text, "registry '" + registry + "': '[' without ']'");
            }
            host = registry.substring(0, close + 1);
            String rest = registry.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new InvalidReferenceException(text, "registry '" + registry
                            + "': only ':port' may follow an IPv6 address");
                }
                port = rest.substring(1);
            }
            if (!IPV6_HOST.matcher(host).matches()) {
                throw new InvalidReferenceException(text, "registry '" + registry + "': invalid IPv6 address " + host);
            }
        } else {
            int colon = registry.lastIndexOf(':');
            if (colon >= 0) {
                host = registry.substring(0, colon);
                port = registry.substring(colon + 1);
            }
        }
        if (host.isEmpty()) {
            throw new InvalidReferenceException(text, "registry '" + registry + "' has no host");
        }
        if (port != null) {
            if (port.isEmpty()) {
                throw new InvalidReferenceException(text, "registry '" + registry + "' has ':' but no port after it");
            }
            if (!port.chars().allMatch(c -> c >= '0' && c <= '9') || port.length() > 5) {
                throw new InvalidReferenceException(text, "registry port '" + port + "' is not a number");
            }
            int number = Integer.parseInt(port);
            if (number < 1 || number > 65535) {
                throw new InvalidReferenceException(text, "registry port " + number + " is out of range 1-65535");
            }
        }
        if (!ipv6) {
            for (String label : host.split("\\.", -1)) {
                if (!HOST_LABEL.matcher(label).matches()) {
                    throw new InvalidReferenceException(text, "invalid registry host '" + host + "': a host is "
                            + "dot-separated labels of letters, digits and '-' (not at either end of a label)");
                }
            }
        }
    }

    private static void checkRepository(String text, String path) {
        if (!path.equals(path.toLowerCase(Locale.ROOT))) {
            throw new InvalidReferenceException(text, "repository name '" + path + "' must be lowercase");
        }
        for (String component : path.split("/", -1)) {
            if (component.isEmpty()) {
                throw new InvalidReferenceException(text, "empty path component in repository '" + path + "'");
            }
            if (!PATH_COMPONENT.matcher(component).matches()) {
                throw new InvalidReferenceException(text, "invalid repository path component '" + component
                        + "': use lowercase letters and digits, separated by '.', '_', '__' or '-'");
            }
        }
    }

    private static void checkNameLength(String text, String registry, String path) {
        int length = registry.length() + 1 + path.length();
        if (length > NAME_MAX_LENGTH) {
            throw new InvalidReferenceException(text, "repository name is " + length
                    + " characters (with its registry), longer than " + NAME_MAX_LENGTH);
        }
    }
}
