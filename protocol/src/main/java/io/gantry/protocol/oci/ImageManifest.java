package io.gantry.protocol.oci;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/**
 * An image manifest: one image for one platform, its config blob and its ordered layers (base
 * first). Both the OCI form and Docker's schema2 ({@code application/vnd.docker.distribution.manifest.v2+json})
 * have this shape; only the media types differ.
 *
 * <p>The digest of a manifest is the digest of the bytes received; keep the {@link Parsed}
 * wrapper from {@link OciJson#parseManifest} rather than re-serialising this record.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"schemaVersion", "mediaType", "artifactType", "config", "layers", "subject", "annotations"})
public record ImageManifest(
        @JsonProperty(value = "schemaVersion", required = true) int schemaVersion,
        @JsonProperty("mediaType") String mediaType,
        @JsonProperty("artifactType") String artifactType,
        @JsonProperty(value = "config", required = true) Descriptor config,
        @JsonProperty("layers") List<Descriptor> layers,
        @JsonProperty("subject") Descriptor subject,
        @JsonProperty("annotations") Map<String, String> annotations,
        @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> unknownFields) implements ManifestDocument {

    public ImageManifest {
        if (schemaVersion != 2) {
            throw new IllegalArgumentException("schemaVersion must be 2, got " + schemaVersion);
        }
        if (mediaType != null && !MediaTypes.isManifest(mediaType)) {
            throw new IllegalArgumentException("mediaType '" + mediaType + "' is not an image manifest type ("
                    + MediaTypes.OCI_MANIFEST + " or " + MediaTypes.DOCKER_MANIFEST + ")");
        }
        if (config == null) {
            throw new IllegalArgumentException("config is required");
        }
        layers = Copies.list("layers", layers);
        annotations = Copies.stringMap(annotations);
        unknownFields = Copies.unknown(unknownFields);
    }

    /** An OCI image manifest with the given config and layers. */
    public static ImageManifest oci(Descriptor config, List<Descriptor> layers) {
        return new ImageManifest(2, MediaTypes.OCI_MANIFEST, null, config, layers, null, Map.of(), Map.of());
    }

    /** A Docker schema2 manifest with the given config and layers. */
    public static ImageManifest docker(Descriptor config, List<Descriptor> layers) {
        return new ImageManifest(2, MediaTypes.DOCKER_MANIFEST, null, config, layers, null, Map.of(), Map.of());
    }

    /** Docker schema2 rather than OCI. */
    @JsonIgnore
    public boolean isDocker() {
        return MediaTypes.isDocker(mediaType);
    }

    /** Bytes to fetch for the layers (compressed sizes as the registry stores them). */
    public long layersSize() {
        long total = 0;
        for (Descriptor layer : layers) {
            total += layer.size();
        }
        return total;
    }
}
