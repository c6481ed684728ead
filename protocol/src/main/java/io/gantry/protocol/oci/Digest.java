package io.gantry.protocol.oci;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest as the OCI image spec writes it: {@code algorithm ":" encoded}.
 *
 * <p>Only the registered algorithms Gantry can verify are accepted: {@code sha256} (64 lowercase
 * hex characters) and {@code sha512} (128). Anything else is refused at parse time, so a digest
 * that exists in the system has always been checked for shape.
 */
public record Digest(String algorithm, String hex) implements Comparable<Digest> {

    private static final Pattern HEX = Pattern.compile("[a-f0-9]+");

    public Digest {
        if (algorithm == null || hex == null) {
            throw new IllegalArgumentException("digest: algorithm and hex are required");
        }
        int expected = switch (algorithm) {
            case "sha256" -> 64;
            case "sha512" -> 128;
            default -> throw new IllegalArgumentException(
                    "digest: unsupported algorithm '" + algorithm + "' (sha256 and sha512 are supported)");
        };
        if (hex.length() != expected || !HEX.matcher(hex).matches()) {
            throw new IllegalArgumentException("digest: " + algorithm + " needs " + expected
                    + " lowercase hex characters, got '" + hex + "'");
        }
    }

    /** Parses {@code sha256:<hex>}; the error names what is wrong with the text. */
    @JsonCreator
    public static Digest parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("digest: null");
        }
        int colon = text.indexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("digest: '" + text + "' is not of the form algorithm:hex");
        }
        return new Digest(text.substring(0, colon), text.substring(colon + 1));
    }

    public static Digest sha256(byte[] content) {
        return of("sha256", content);
    }

    public static Digest of(String algorithm, byte[] content) {
        MessageDigest md = messageDigest(algorithm);
        return new Digest(algorithm, HexFormat.of().formatHex(md.digest(content)));
    }

    public static Digest sha256(InputStream in) throws IOException {
        MessageDigest md = messageDigest("sha256");
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = in.read(buf)) > 0; ) {
            md.update(buf, 0, n);
        }
        return new Digest("sha256", HexFormat.of().formatHex(md.digest()));
    }

    public static Digest sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return sha256(in);
        }
    }

    /** A fresh {@link MessageDigest} for this digest's algorithm, for streaming verification. */
    public MessageDigest newMessageDigest() {
        return messageDigest(algorithm);
    }

    /** Builds a digest from a finished {@link MessageDigest} of the given algorithm. */
    public static Digest from(String algorithm, MessageDigest finished) {
        return new Digest(algorithm, HexFormat.of().formatHex(finished.digest()));
    }

    public static MessageDigest messageDigest(String algorithm) {
        try {
            return MessageDigest.getInstance(switch (algorithm) {
                case "sha256" -> "SHA-256";
                case "sha512" -> "SHA-512";
                default -> throw new IllegalArgumentException("digest: unsupported algorithm '" + algorithm + "'");
            });
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A short form for logs and tables: the first 12 hex characters. */
    public String shortHex() {
        return hex.substring(0, 12);
    }

    @JsonValue
    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }

    @Override
    public int compareTo(Digest o) {
        return toString().compareTo(o.toString());
    }
}
