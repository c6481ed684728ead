package io.gantry.protocol.oci;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * An OCI image index or a Docker manifest list: manifests of one image for several platforms
 * (and, in newer indexes, attestations and other artifacts).
 *
 * <p>{@link #select(Platform)} picks the manifest a node runs, with containerd's preference:
 * the exact platform first, then compatible older variants (see {@link PlatformMatcher}), then
 * entries that declare no platform at all, which the caller must check against the image
 * config's own os and architecture.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"schemaVersion", "mediaType", "artifactType", "manifests", "subject", "annotations"})
public record ImageIndex(
        @JsonProperty(value = "schemaVersion", required = true) int schemaVersion,
        @JsonProperty("mediaType") String mediaType,
        @JsonProperty("artifactType") String artifactType,
        @JsonProperty("manifests") List<Descriptor> manifests,
        @JsonProperty("subject") Descriptor subject,
        @JsonProperty("annotations") Map<String, String> annotations,
        @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> unknownFields) implements ManifestDocument {

    public ImageIndex {
        if (schemaVersion != 2) {
            throw new IllegalArgumentException("schemaVersion must be 2, got " + schemaVersion);
        }
        if (mediaType != null && !MediaTypes.isIndex(mediaType)) {
            throw new IllegalArgumentException("mediaType '" + mediaType + "' is not an index type ("
                    + MediaTypes.OCI_INDEX + " or " + MediaTypes.DOCKER_MANIFEST_LIST + ")");
        }
        manifests = Copies.list("manifests", manifests);
        annotations = Copies.stringMap(annotations);
        unknownFields = Copies.unknown(unknownFields);
    }

    public static ImageIndex oci(List<Descriptor> manifests) {
        return new ImageIndex(2, MediaTypes.OCI_INDEX, null, manifests, null, Map.of(), Map.of());
    }

    public static ImageIndex dockerList(List<Descriptor> manifests) {
        return new ImageIndex(2, MediaTypes.DOCKER_MANIFEST_LIST, null, manifests, null, Map.of(), Map.of());
    }

    @JsonIgnore
    public boolean isDocker() {
        return MediaTypes.isDocker(mediaType);
    }

    /**
     * The manifest to run on {@code wanted}: the best of {@link #candidates}.
     *
     * @throws PlatformNotFoundException naming the platforms the index does offer
     */
    public Descriptor select(Platform wanted) {
        List<Descriptor> found = candidates(wanted);
        if (found.isEmpty()) {
            throw new PlatformNotFoundException(wanted, availablePlatforms());
        }
        return found.get(0);
    }

    /**
     * Every manifest (or nested index) that can run on {@code wanted}, best first; among equally
     * good entries the index order is kept. Entries without a platform come last.
     */
    public List<Descriptor> candidates(Platform wanted) {
        PlatformMatcher matcher = PlatformMatcher.only(wanted);
        record Ranked(Descriptor descriptor, int rank) {
        }
        List<Ranked> ranked = new ArrayList<>();
        for (Descriptor d : manifests) {
            if (!MediaTypes.isManifestOrIndex(d.mediaType())) {
                continue;
            }
            if (d.platform() == null) {
                ranked.add(new Ranked(d, Integer.MAX_VALUE));
                continue;
            }
            int rank = matcher.rank(d.platform());
            if (rank >= 0) {
                ranked.add(new Ranked(d, rank));
            }
        }
        ranked.sort(Comparator.comparingInt(Ranked::rank)); // List.sort is stable
        return ranked.stream().map(Ranked::descriptor).toList();
    }

    /** The platforms the index offers, as {@code os/arch[/variant]}, in index order. */
    public List<String> availablePlatforms() {
        List<String> out = new ArrayList<>();
        for (Descriptor d : manifests) {
            if (MediaTypes.isManifestOrIndex(d.mediaType())) {
                out.add(d.platform() == null ? "(no platform)" : d.platform().toString());
            }
        }
        return out;
    }
}
