package io.gantry.protocol.oci;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A content descriptor: what a manifest, index or layout says about a blob it points to.
 *
 * <p>Shape checked on construction: a media type is present, the digest is well formed (by
 * {@link Digest}), the size is not negative, and embedded {@code data} (OCI 1.1) has exactly that
 * size and digest, since a consumer may use it instead of fetching the blob. Fields this version
 * of Gantry does not know are kept in {@link #unknownFields()} and written back.
 *
 * @param data the blob's content embedded in the descriptor (base64 in JSON), or null
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"mediaType", "digest", "size", "urls", "annotations", "data", "platform", "artifactType"})
public record Descriptor(
        @JsonProperty(value = "mediaType", required = true) String mediaType,
        @JsonProperty(value = "digest", required = true) Digest digest,
        @JsonProperty(value = "size", required = true) long size,
        @JsonProperty("urls") List<String> urls,
        @JsonProperty("annotations") Map<String, String> annotations,
        @JsonProperty("data") byte[] data,
        @JsonProperty("platform") Platform platform,
        @JsonProperty("artifactType") String artifactType,
        @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> unknownFields) {

    public Descriptor {
        if (mediaType == null || mediaType.isBlank()) {
            throw new IllegalArgumentException("descriptor: mediaType is required");
        }
        if (digest == null) {
            throw new IllegalArgumentException("descriptor: digest is required");
        }
        if (size < 0) {
            throw new IllegalArgumentException("descriptor " + digest + ": size must not be negative, got " + size);
        }
        urls = Copies.list("urls", urls);
        annotations = Copies.stringMap(annotations);
        unknownFields = Copies.unknown(unknownFields);
        if (data != null) {
            data = data.clone();
            if (data.length != size) {
                throw new IllegalArgumentException("descriptor " + digest + ": embedded data is " + data.length
                        + " bytes but size says " + size);
            }
            Digest actual = Digest.of(digest.algorithm(), data);
            if (!actual.equals(digest)) {
                throw new IllegalArgumentException("descriptor " + digest + ": embedded data has digest " + actual);
            }
        }
    }

    /** The common case: a blob with no platform, urls, annotations or embedded data. */
    public static Descriptor of(String mediaType, Digest digest, long size) {
        return new Descriptor(mediaType, digest, size, List.of(), Map.of(), null, null, null, Map.of());
    }

    /** A descriptor for bytes at hand, e.g. a manifest just written. */
    public static Descriptor forContent(String mediaType, byte[] content) {
        return of(mediaType, Digest.sha256(content), content.length);
    }

    public Descriptor withPlatform(Platform p) {
        return new Descriptor(mediaType, digest, size, urls, annotations, data, p, artifactType, unknownFields);
    }

    public Descriptor withAnnotations(Map<String, String> a) {
        return new Descriptor(mediaType, digest, size, urls, a, data, platform, artifactType, unknownFields);
    }

    /** The embedded data, copied (the record must stay immutable); null when there is none. */
    @Override
    public byte[] data() {
        return data == null ? null : data.clone();
    }

    public boolean hasData() {
        return data != null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Descriptor d
                && size == d.size
                && mediaType.equals(d.mediaType)
                && digest.equals(d.digest)
                && urls.equals(d.urls)
                && annotations.equals(d.annotations)
                && Arrays.equals(data, d.data)
                && Objects.equals(platform, d.platform)
                && Objects.equals(artifactType, d.artifactType)
                && unknownFields.equals(d.unknownFields);
    }

    @Override
    public int hashCode() {
        return Objects.hash(mediaType, digest, size, urls, annotations, Arrays.hashCode(data), platform,
                artifactType, unknownFields);
    }

    @Override
    public String toString() {
        return "Descriptor[" + mediaType + ", " + digest + ", " + size + " bytes"
                + (platform == null ? "" : ", " + platform) + "]";
    }
}
