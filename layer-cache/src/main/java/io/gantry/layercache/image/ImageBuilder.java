package io.gantry.layercache.image;

import io.gantry.layercache.content.ContentStore;
import io.gantry.protocol.oci.ContainerConfig;
import io.gantry.protocol.oci.Descriptor;
import io.gantry.protocol.oci.Digest;
import io.gantry.protocol.oci.ImageConfig;
import io.gantry.protocol.oci.ImageManifest;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.MediaTypes;
import io.gantry.protocol.oci.OciJson;
import io.gantry.protocol.oci.Parsed;
import io.gantry.protocol.oci.Platform;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Builds an image into the content store and names it in the {@link ImageStore}: what
 * {@code docker build} leaves behind, without running anything. Steps are applied in order; each
 * {@link #layer} step writes one layer (tar, gzip by default) and a history entry, each
 * {@link #emptyLayer} step only a history entry with {@code empty_layer: true} (what ENV, CMD or
 * VOLUME produce). {@link #from} starts from an existing image (its layers, config and history), as
 * {@code container commit} does.
 *
 * <pre>{@code
 * BuiltImage image = ImageBuilder.create(images)
 *     .platform(Platform.of("linux", "amd64"))
 *     .layer(LayerContent.builder().file("bin/busybox", Path.of("/bin/busybox"), 0755).build(), "COPY busybox /bin/")
 *     .emptyLayer("ENV PATH=/bin")
 *     .config(ContainerConfig.builder().env(List.of("PATH=/bin")).cmd(List.of("sh")).build())
 *     .build(ImageReference.parse("localhost/demo:1"));
 * }</pre>
 *
 * <p>Everything written is held by a temporary lease until the image is named, so a concurrent gc
 * cannot take a layer between being written and being referenced.
 */
public final class ImageBuilder {

    /** The manifest and config media types to write. */
    public enum Format { OCI, DOCKER }

    /** The result: the image's name, manifest and config as stored. */
    public record BuiltImage(ImageReference name, Parsed<ImageManifest> manifest, Parsed<ImageConfig> config) {
        public Digest digest() {
            return manifest.digest();
        }

        public Descriptor descriptor() {
            return manifest.descriptor();
        }
    }

    private sealed interface Step permits NewLayer, ExistingLayer, MetadataOnly {
    }

    private record NewLayer(LayerContent content, ImageConfig.History history) implements Step {
    }

    private record ExistingLayer(Descriptor blob, Digest diffId, ImageConfig.History history) implements Step {
    }

    private record MetadataOnly(ImageConfig.History history) implements Step {
    }

    private final ImageStore images;
    private final List<Step> steps = new ArrayList<>();
    private Format format = Format.OCI;
    private Platform platform = Platform.of("linux", "amd64");
    private ContainerConfig config = ContainerConfig.EMPTY;
    private Instant created = Instant.EPOCH;
    private String author;
    private boolean gzip = true;
    private int gzipLevel = -1;
    private Map<String, com.fasterxml.jackson.databind.JsonNode> extraConfigFields = Map.of();

    private ImageBuilder(ImageStore images) {
        this.images = images;
    }

    public static ImageBuilder create(ImageStore images) {
        return new ImageBuilder(images);
    }

    /**
     * Starts from {@code base} (its manifest for {@code platform}): its layers, history, container
     * config, platform and format; steps added afterwards go on top.
     */
    public ImageBuilder from(ImageStore.Image base, Platform platform) throws IOException {
        Parsed<ImageManifest> manifest = images.manifest(base, platform);
        Parsed<ImageConfig> baseConfig = images.config(manifest);
        ImageConfig cfg = baseConfig.value();
        List<ImageConfig.LayerHistory> layers = cfg.layerHistory();
        if (layers.size() != manifest.value().layers().size()) {
            throw new io.gantry.layercache.FailedPreconditionException("base image " + base.name() + ": config has "
                    + layers.size() + " diff ids but the manifest has " + manifest.value().layers().size() + " layers");
        }
        steps.clear();
        int layer = 0;
        if (cfg.history().isEmpty()) {
            for (ImageConfig.LayerHistory h : layers) {
                steps.add(new ExistingLayer(manifest.value().layers().get(layer++), h.diffId(), null));
            }
        } else {
            for (ImageConfig.History h : cfg.history()) {
                if (h.emptyLayer()) {
                    steps.add(new MetadataOnly(h));
                } else {
                    steps.add(new ExistingLayer(manifest.value().layers().get(layer), layers.get(layer).diffId(), h));
                    layer++;
                }
            }
        }
        this.format = manifest.value().isDocker() ? Format.DOCKER : Format.OCI;
        this.platform = cfg.platform();
        this.config = cfg.config();
        this.author = cfg.author();
        this.extraConfigFields = cfg.unknownFields();
        return this;
    }

    public ImageBuilder format(Format format) {
        this.format = format;
        return this;
    }

    public ImageBuilder platform(Platform platform) {
        this.platform = platform;
        return this;
    }

    /** The execution defaults (Env, Cmd, Entrypoint, WorkingDir, User, Volumes, Labels, ...). */
    public ImageBuilder config(ContainerConfig config) {
        this.config = config;
        return this;
    }

    /** The creation time of the image and of the history entries added after this call (default 1970: reproducible). */
    public ImageBuilder created(Instant created) {
        this.created = created;
        return this;
    }

    public ImageBuilder author(String author) {
        this.author = author;
        return this;
    }

    /** Layers uncompressed ({@code false}) or gzip (default). */
    public ImageBuilder gzip(boolean gzip) {
        this.gzip = gzip;
        return this;
    }

    /** 1 (fast) to 9 (small), -1 for zlib's default. */
    public ImageBuilder gzipLevel(int level) {
        this.gzipLevel = level;
        return this;
    }

    /** Adds a layer and the history entry that says what created it. */
    public ImageBuilder layer(LayerContent content, String createdBy) {
        steps.add(new NewLayer(content, new ImageConfig.History(created, createdBy, author, null, false)));
        return this;
    }

    /** Adds a history entry for a step that changed no files (ENV, CMD, VOLUME...). */
    public ImageBuilder emptyLayer(String createdBy) {
        steps.add(new MetadataOnly(new ImageConfig.History(created, createdBy, author, null, true)));
        return this;
    }

    /** Writes layers, config and manifest into the content store and names the image. */
    public BuiltImage build(ImageReference name) throws IOException {
        ContentStore content = images.content();
        String lease = "build/" + UUID.randomUUID();
        try {
            LayerWriter writer = new LayerWriter(content, gzipLevel);
            List<Descriptor> layers = new ArrayList<>();
            List<Digest> diffIds = new ArrayList<>();
            List<ImageConfig.History> history = new ArrayList<>();
            boolean anyHistory = false;
            for (Step step : steps) {
                if (step instanceof NewLayer s) {
                    LayerWriter.BuiltLayer built = writer.write(s.content(), gzip, lease);
                    layers.add(Descriptor.of(layerMediaType(built.gzip() ? MediaTypes.Compression.GZIP
                            : MediaTypes.Compression.NONE), built.digest(), built.size()));
                    diffIds.add(built.diffId());
                    history.add(s.history());
                    anyHistory = true;
                } else if (step instanceof ExistingLayer s) {
                    content.leases().add(lease, List.of(s.blob().digest()));
                    layers.add(Descriptor.of(layerMediaType(MediaTypes.compression(s.blob().mediaType())),
                            s.blob().digest(), s.blob().size()));
                    diffIds.add(s.diffId());
                    if (s.history() != null) {
                        history.add(s.history());
                        anyHistory = true;
                    } else {
                        history.add(new ImageConfig.History(null, null, null, null, false));
                    }
                } else if (step instanceof MetadataOnly s) {
                    history.add(s.history());
                    anyHistory = true;
                }
            }
            ImageConfig imageConfig = new ImageConfig(created, author, platform.architecture(), platform.os(),
                    platform.osVersion(), platform.osFeatures(), platform.variant(), config,
                    ImageConfig.RootFs.layers(diffIds), anyHistory ? history : List.of(), extraConfigFields);
            byte[] configBytes = OciJson.write(imageConfig);
            Descriptor configDescriptor = Descriptor.forContent(
                    format == Format.OCI ? MediaTypes.OCI_CONFIG : MediaTypes.DOCKER_CONFIG, configBytes);
            content.leases().add(lease, List.of(configDescriptor.digest()));
            content.write(configBytes);

            ImageManifest manifest = format == Format.OCI
                    ? ImageManifest.oci(configDescriptor, layers)
                    : ImageManifest.docker(configDescriptor, layers);
            byte[] manifestBytes = OciJson.write(manifest);
            Descriptor manifestDescriptor = Descriptor.forContent(manifest.mediaType(), manifestBytes);
            content.leases().add(lease, List.of(manifestDescriptor.digest()));
            content.write(manifestBytes);

            images.put(name, manifestDescriptor);
            return new BuiltImage(name,
                    OciJson.parseManifest(manifestBytes, manifestDescriptor).as(ImageManifest.class),
                    OciJson.parseImageConfig(configBytes, configDescriptor));
        } finally {
            content.leases().delete(lease);
        }
    }

    private String layerMediaType(MediaTypes.Compression compression) {
        return switch (compression) {
            case GZIP -> format == Format.OCI ? MediaTypes.OCI_LAYER_TAR_GZIP : MediaTypes.DOCKER_LAYER_TAR_GZIP;
            case NONE -> format == Format.OCI ? MediaTypes.OCI_LAYER_TAR : MediaTypes.DOCKER_LAYER_TAR;
            case ZSTD -> {
                if (format == Format.DOCKER) {
                    throw new IllegalArgumentException("a zstd layer cannot be described in a Docker schema2 manifest");
                }
                yield MediaTypes.OCI_LAYER_TAR_ZSTD;
            }
        };
    }
}
