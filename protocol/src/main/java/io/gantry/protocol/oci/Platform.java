package io.gantry.protocol.oci;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The platform an image runs on, as an index entry (or an image config) describes it.
 *
 * <p>Values are kept as written, so a document reads back unchanged; {@link #normalize()} gives
 * the canonical form used for matching ({@code aarch64} is {@code arm64}, {@code arm64/v8} is
 * {@code arm64}, {@code arm} is {@code arm/v7}, {@code amd64/v1} is {@code amd64}). Parsing is
 * lenient on purpose: indexes in the wild carry odd entries (BuildKit attestations say
 * {@code unknown/unknown}) and the right entry must still be found among them.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"architecture", "os", "os.version", "os.features", "variant", "features"})
public record Platform(
        @JsonProperty("architecture") String architecture,
        @JsonProperty("os") String os,
        @JsonProperty("os.version") String osVersion,
        @JsonProperty("os.features") List<String> osFeatures,
        @JsonProperty("variant") String variant,
        @JsonProperty("features") List<String> features) {

    private static final Pattern SPECIFIER_PART = Pattern.compile("[A-Za-z0-9_.-]+");

    public Platform {
        architecture = emptyToNull(architecture);
        os = emptyToNull(os);
        osVersion = emptyToNull(osVersion);
        variant = emptyToNull(variant);
        osFeatures = Copies.list("os.features", osFeatures);
        features = Copies.list("features", features);
    }

    public static Platform of(String os, String architecture) {
        return of(os, architecture, null);
    }

    public static Platform of(String os, String architecture, String variant) {
        return new Platform(architecture, os, null, List.of(), variant, List.of());
    }

    /**
     * Parses the {@code os/architecture[/variant]} form users type ({@code linux/arm64/v8}).
     * Values are kept as typed; matching normalises them.
     */
    public static Platform parse(String specifier) {
        if (specifier == null || specifier.isBlank()) {
            throw new IllegalArgumentException("platform: empty specifier (expected os/architecture[/variant])");
        }
        String[] parts = specifier.split("/", -1);
        if (parts.length < 2 || parts.length > 3) {
            throw new IllegalArgumentException("platform '" + specifier
                    + "': expected os/architecture[/variant], e.g. linux/amd64 or linux/arm/v7");
        }
        for (String part : parts) {
            if (!SPECIFIER_PART.matcher(part).matches()) {
                throw new IllegalArgumentException("platform '" + specifier + "': component '" + part
                        + "' must be non-empty letters, digits, '_', '.' or '-'");
            }
        }
        return of(parts[0], parts[1], parts.length == 3 ? parts[2] : null);
    }

    /** The platform of the running JVM, in OCI words. */
    public static Platform host() {
        return fromJvm(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
    }

    /**
     * Maps the JVM's {@code os.name} and {@code os.arch} to OCI values. The JVM cannot tell the
     * ARM variant, so the usual one is assumed: v8 for arm64, v7 for 32-bit arm.
     */
    static Platform fromJvm(String osName, String osArch) {
        String n = osName.toLowerCase(Locale.ROOT);
        String os;
        if (n.startsWith("linux")) {
            os = "linux";
        } else if (n.startsWith("mac") || n.startsWith("darwin")) {
            os = "darwin";
        } else if (n.startsWith("windows")) {
            os = "windows";
        } else {
            os = n.replace(" ", "");
        }
        String a = osArch.toLowerCase(Locale.ROOT);
        return switch (a) {
            case "amd64", "x86_64", "x86-64" -> of(os, "amd64");
            case "aarch64", "arm64" -> of(os, "arm64", "v8");
            case "arm", "arm32", "armv7l" -> of(os, "arm", "v7");
            case "x86", "i386", "i486", "i586", "i686" -> of(os, "386");
            case "loongarch64" -> of(os, "loong64");
            default -> of(os, a);
        };
    }

    /**
     * The canonical form that matching compares: OS lower-cased ({@code macos} is
     * {@code darwin}), architecture aliases resolved, default variants made explicit or dropped
     * the way containerd does, os.features sorted without duplicates.
     */
    public Platform normalize() {
        String o = os == null ? null : os.toLowerCase(Locale.ROOT);
        if ("macos".equals(o)) {
            o = "darwin";
        }
        String a = architecture == null ? null : architecture.toLowerCase(Locale.ROOT);
        String v = variant == null ? null : variant.toLowerCase(Locale.ROOT);
        if (a != null) {
            switch (a) {
                case "i386" -> {
                    a = "386";
                    v = null;
                }
                case "x86_64", "x86-64", "amd64" -> {
                    a = "amd64";
                    if ("v1".equals(v)) {
                        v = null;
                    }
                }
                case "aarch64", "arm64" -> {
                    a = "arm64";
                    if ("8".equals(v) || "v8".equals(v)) {
                        v = null;
                    }
                }
                case "armhf" -> {
                    a = "arm";
                    v = "v7";
                }
                case "armel" -> {
                    a = "arm";
                    v = "v6";
                }
                case "arm" -> {
                    if (v == null || "7".equals(v)) {
                        v = "v7";
                    } else if ("5".equals(v) || "6".equals(v) || "8".equals(v)) {
                        v = "v" + v;
                    }
                }
                default -> {
                }
            }
        }
        List<String> feats = osFeatures.size() < 2 ? osFeatures : List.copyOf(new TreeSet<>(osFeatures));
        return new Platform(a, o, osVersion, feats, v, features);
    }

    /** Whether an image built for {@code candidate} runs here, by containerd's rules ({@link PlatformMatcher#only}). */
    public boolean matches(Platform candidate) {
        return PlatformMatcher.only(this).matches(candidate);
    }

    /** {@code os/architecture[/variant]}, with {@code (os.version)} after the OS when present. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(os == null ? "unknown" : os);
        if (osVersion != null) {
            b.append('(').append(osVersion).append(')');
        }
        b.append('/').append(architecture == null ? "unknown" : architecture);
        if (variant != null) {
            b.append('/').append(variant);
        }
        return b.toString();
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
