package io.gantry.protocol.oci;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An image configuration (OCI {@code application/vnd.oci.image.config.v1+json}, Docker
 * {@code application/vnd.docker.container.image.v1+json}): the platform, the execution defaults
 * ({@link ContainerConfig}), the ordered diff ids of the layers and the build history.
 *
 * <p>A diff id is the digest of a layer's <em>uncompressed</em> tar, which is what an unpacked
 * layer is keyed by; the manifest's layer digests are of the compressed blobs. History entries
 * with {@code empty_layer: true} (ENV, CMD, VOLUME...) changed no files and have no diff id, so
 * {@link #layerHistory()} pairs the others with {@code rootfs.diff_ids} in order.
 *
 * <p>Docker-only fields ({@code container_config}, {@code docker_version}...) are kept in
 * {@link #unknownFields()}.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"created", "author", "architecture", "os", "os.version", "os.features", "variant", "config",
        "rootfs", "history"})
public record ImageConfig(
        @JsonProperty("created")
        @JsonSerialize(using = JsonSupport.TimeSerializer.class)
        @JsonDeserialize(using = JsonSupport.TimeDeserializer.class)
        Instant created,
        @JsonProperty("author") String author,
        @JsonProperty(value = "architecture", required = true) String architecture,
        @JsonProperty(value = "os", required = true) String os,
        @JsonProperty("os.version") String osVersion,
        @JsonProperty("os.features") List<String> osFeatures,
        @JsonProperty("variant") String variant,
        @JsonProperty("config")
        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = ImageConfig.EmptyConfigFilter.class)
        ContainerConfig config,
        @JsonProperty(value = "rootfs", required = true) RootFs rootfs,
        @JsonProperty("history") List<History> history,
        @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> unknownFields) {

    public ImageConfig {
        author = Copies.text(author);
        architecture = Copies.text(architecture);
        os = Copies.text(os);
        if (architecture == null) {
            throw new IllegalArgumentException("architecture is required");
        }
        if (os == null) {
            throw new IllegalArgumentException("os is required");
        }
        osVersion = Copies.text(osVersion);
        osFeatures = Copies.list("os.features", osFeatures);
        variant = Copies.text(variant);
        config = config == null ? ContainerConfig.EMPTY : config;
        if (rootfs == null) {
            throw new IllegalArgumentException("rootfs is required");
        }
        history = Copies.list("history", history);
        unknownFields = Copies.unknown(unknownFields);
    }

    /** A config for an image built in code (import, tests): no author, no history. */
    public static ImageConfig of(Platform platform, ContainerConfig config, List<Digest> diffIds) {
        return new ImageConfig(null, null, platform.architecture(), platform.os(), platform.osVersion(),
                platform.osFeatures(), platform.variant(), config, RootFs.layers(diffIds), List.of(), Map.of());
    }

    /** The platform this image was built for. */
    public Platform platform() {
        return new Platform(architecture, os, osVersion, osFeatures, variant, List.of());
    }

    /** The layers' diff ids, base layer first. */
    public List<Digest> diffIds() {
        return rootfs.diffIds();
    }

    /** Shortcut for {@code config().envMap()}. */
    public Map<String, String> envMap() {
        return config.envMap();
    }

    /**
     * Each layer (by diff id, base first) with the history entry that created it. History is
     * optional: without it every entry's history is null. With it, the entries that are not
     * {@code empty_layer} must be exactly as many as the diff ids.
     *
     * @throws InvalidDocumentException when history and rootfs disagree
     */
    public List<LayerHistory> layerHistory() {
        List<Digest> diffIds = rootfs.diffIds();
        List<LayerHistory> out = new ArrayList<>(diffIds.size());
        if (history.isEmpty()) {
            for (int i = 0; i < diffIds.size(); i++) {
                out.add(new LayerHistory(i, diffIds.get(i), null));
            }
            return List.copyOf(out);
        }
        List<History> creating = history.stream().filter(h -> !h.emptyLayer()).toList();
        if (creating.size() != diffIds.size()) {
            throw new InvalidDocumentException("image config", "history has " + creating.size()
                    + " entries that create a layer (not empty_layer) but rootfs.diff_ids has " + diffIds.size());
        }
        for (int i = 0; i < diffIds.size(); i++) {
            out.add(new LayerHistory(i, diffIds.get(i), creating.get(i)));
        }
        return List.copyOf(out);
    }

    /** {@code rootfs}: the layers of the image, by diff id. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonPropertyOrder({"type", "diff_ids"})
    public record RootFs(
            @JsonProperty(value = "type", required = true) String type,
            @JsonProperty("diff_ids") List<Digest> diffIds) {

        public static final String LAYERS = "layers";

        public RootFs {
            if (!LAYERS.equals(type)) {
                throw new IllegalArgumentException("type must be '" + LAYERS + "', got "
                        + (type == null ? "nothing" : "'" + type + "'"));
            }
            diffIds = Copies.list("rootfs.diff_ids", diffIds);
        }

        public static RootFs layers(List<Digest> diffIds) {
            return new RootFs(LAYERS, diffIds);
        }
    }

    /** One build step; {@code empty_layer} steps changed metadata only and have no diff id. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonPropertyOrder({"created", "created_by", "author", "comment", "empty_layer"})
    public record History(
            @JsonProperty("created")
            @JsonSerialize(using = JsonSupport.TimeSerializer.class)
            @JsonDeserialize(using = JsonSupport.TimeDeserializer.class)
            Instant created,
            @JsonProperty("created_by") String createdBy,
            @JsonProperty("author") String author,
            @JsonProperty("comment") String comment,
            @JsonProperty("empty_layer") @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean emptyLayer) {

        public History {
            createdBy = Copies.text(createdBy);
            author = Copies.text(author);
            comment = Copies.text(comment);
        }
    }

    /** A layer of the image with its position (0 = base), diff id and creating history entry (or null). */
    public record LayerHistory(int index, Digest diffId, History history) {
    }

    /** Leaves out a {@code config} with nothing in it, so that a document without one reads back the same. */
    static final class EmptyConfigFilter {
        @Override
        public boolean equals(Object value) {
            return value == null || value instanceof ContainerConfig c && c.isEmpty();
        }

        @Override
        public int hashCode() {
            return 0;
        }
    }
}
