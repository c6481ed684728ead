package io.gantry.protocol.oci;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * Reading and writing OCI and Docker image JSON.
 *
 * <p>Reading keeps the bytes: every {@code parse*} method returns a {@link Parsed} whose digest
 * is computed over the bytes given, and checks it against the digest the caller asked for
 * before anything else. Unknown fields are kept (documents, descriptors, container configs) or
 * ignored (elsewhere), never an error. Duplicate keys resolve to the last one, as in Go's
 * encoding/json, so Gantry reads a document the way registries and other clients do.
 *
 * <p>Writing leaves out absent and empty values as the spec examples do and sorts map keys as Go
 * does, so output is deterministic; but a digest is only ever taken of bytes actually stored or
 * sent, never of a re-serialisation of something received.
 */
public final class OciJson {

    /** Registries commonly refuse manifests above 4 MiB; a larger one is not a manifest Gantry should hold in memory. */
    public static final int MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            // Empty values are left out, but a map's entries are all written: a label's value may be "".
            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_EMPTY,
                    JsonInclude.Include.ALWAYS))
            .build();

    private OciJson() {
    }

    /** The shared, configured mapper. Use it as is; reconfiguring it would change every reader. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Compact JSON, keys of maps sorted. */
    public static byte[] write(Object document) {
        try {
            return MAPPER.writeValueAsBytes(document);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + document.getClass().getSimpleName() + " as JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    public static byte[] writePretty(Object document) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(document);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + document.getClass().getSimpleName() + " as JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    /** A manifest or index of unknown digest (e.g. read from a file); the digest is computed (sha256). */
    public static Parsed<ManifestDocument> parseManifest(byte[] raw) {
        return parseManifest(raw, null, null);
    }

    /** A manifest or index fetched through {@code descriptor}: its size, digest and media type are checked. */
    public static Parsed<ManifestDocument> parseManifest(byte[] raw, Descriptor descriptor) {
        checkSize("manifest", raw, descriptor);
        return parseManifest(raw, descriptor.mediaType(), descriptor.digest());
    }

    /**
     * A manifest or index as a registry serves it.
     *
     * <p>Which of the two it is comes from its own {@code mediaType} field, else from
     * {@code contentType} (the HTTP header or a descriptor's media type), else from its shape
     * ({@code manifests} makes an index, {@code config}/{@code layers} a manifest), as OCI allows
     * the field to be absent. A document that has both shapes is refused: it could be read as
     * either, so two clients could disagree on what a digest means.
     *
     * @param contentType    the media type it was served or referenced with, or null
     * @param expectedDigest the digest it was asked for by, or null (e.g. fetched by tag)
     * @throws DigestMismatchException  when the bytes are not those of {@code expectedDigest}
     * @throws InvalidDocumentException when the document is not a manifest or index Gantry can read
     */
    public static Parsed<ManifestDocument> parseManifest(byte[] raw, String contentType, Digest expectedDigest) {
        String kind = "manifest";
        if (raw == null || raw.length == 0) {
            throw new InvalidDocumentException(kind, "empty document");
        }
        if (raw.length > MAX_MANIFEST_BYTES) {
            throw new InvalidDocumentException(kind, raw.length + " bytes, more than the " + MAX_MANIFEST_BYTES
                    + " a manifest may have");
        }
        Digest digest = verify(kind, raw, expectedDigest);
        JsonNode tree = readObject(kind, raw);

        String declared = textField(kind, tree, "mediaType");
        String served = MediaTypes.base(contentType);
        if (MediaTypes.isSchema1(declared) || MediaTypes.isSchema1(served)
                || tree.path("schemaVersion").asInt(0) == 1) {
            throw new InvalidDocumentException(kind, "Docker image manifest schema 1 is not supported "
                    + "(deprecated by Docker; ask the registry for schema 2 or OCI)");
        }
        if (declared != null && MediaTypes.isManifestOrIndex(served)
                && !MediaTypes.base(declared).equals(served)) {
            throw new InvalidDocumentException(kind, "mediaType '" + declared + "' in the document differs from '"
                    + contentType + "' it was served or referenced as");
        }
        boolean indexShape = tree.has("manifests");
        boolean manifestShape = tree.has("config") || tree.has("layers");
        if (indexShape && manifestShape) {
            throw new InvalidDocumentException(kind, "ambiguous document: it has both 'manifests' (an index) "
                    + "and 'config'/'layers' (an image manifest)");
        }

        String mediaType;
        if (declared != null) {
            mediaType = declared;
        } else if (MediaTypes.isManifestOrIndex(served)) {
            mediaType = served;
        } else if (indexShape) {
            mediaType = MediaTypes.OCI_INDEX;
        } else if (manifestShape) {
            mediaType = MediaTypes.OCI_MANIFEST;
        } else {
            throw new InvalidDocumentException(kind, "no mediaType, and neither 'manifests' nor 'config'/'layers': "
                    + "cannot tell an image manifest from an index");
        }

        if (!tree.has("schemaVersion")) {
            throw new InvalidDocumentException(kind, "schemaVersion is required (2)");
        }
        if (MediaTypes.isIndex(mediaType)) {
            if (manifestShape) {
                throw new InvalidDocumentException("image index", "media type " + mediaType
                        + " but the document has 'config'/'layers' like an image manifest");
            }
            ImageIndex index = convert("image index", tree, ImageIndex.class);
            return new Parsed<>(index, raw, digest, mediaType);
        }
        if (MediaTypes.isManifest(mediaType)) {
            if (indexShape) {
                throw new InvalidDocumentException("image manifest", "media type " + mediaType
                        + " but the document has 'manifests' like an index");
            }
            ImageManifest manifest = convert("image manifest", tree, ImageManifest.class);
            return new Parsed<>(manifest, raw, digest, mediaType);
        }
        throw new InvalidDocumentException(kind, "unsupported media type '" + mediaType + "' (Gantry reads "
                + String.join(", ", MediaTypes.MANIFEST_ACCEPT) + ")");
    }

    /** An image config of unknown digest (e.g. read from a file); assumed to be OCI. */
    public static Parsed<ImageConfig> parseImageConfig(byte[] raw) {
        return parseImageConfig(raw, MediaTypes.OCI_CONFIG, null);
    }

    /** An image config fetched through a manifest's {@code config} descriptor: size, digest and media type checked. */
    public static Parsed<ImageConfig> parseImageConfig(byte[] raw, Descriptor descriptor) {
        checkSize("image config", raw, descriptor);
        return parseImageConfig(raw, descriptor.mediaType(), descriptor.digest());
    }

    /**
     * An image config. The media type must be an image config type (OCI or Docker): an artifact's
     * config blob is not an image config, whatever it contains.
     */
    public static Parsed<ImageConfig> parseImageConfig(byte[] raw, String mediaType, Digest expectedDigest) {
        String kind = "image config";
        if (mediaType == null || !MediaTypes.isConfig(mediaType)) {
            throw new InvalidDocumentException(kind, "media type '" + mediaType + "' is not an image config ("
                    + MediaTypes.OCI_CONFIG + " or " + MediaTypes.DOCKER_CONFIG + ")");
        }
        if (raw == null || raw.length == 0) {
            throw new InvalidDocumentException(kind, "empty document");
        }
        Digest digest = verify(kind, raw, expectedDigest);
        JsonNode tree = readObject(kind, raw);
        ImageConfig config = convert(kind, tree, ImageConfig.class);
        return new Parsed<>(config, raw, digest, mediaType.trim());
    }

    /**
     * Any other model of this package (a {@link Descriptor}, a {@link Platform}...), with the same
     * error reporting; no digest is involved.
     */
    public static <T> T read(byte[] raw, Class<T> type) {
        String kind = kindName(type);
        return convert(kind, readObject(kind, raw), type);
    }

    static String kindName(Class<?> type) {
        if (type == ImageManifest.class) {
            return "image manifest";
        }
        if (type == ImageIndex.class) {
            return "image index";
        }
        if (type == ImageConfig.class) {
            return "image config";
        }
        if (type == ManifestDocument.class) {
            return "manifest";
        }
        return type.getSimpleName().toLowerCase(Locale.ROOT);
    }

    private static void checkSize(String kind, byte[] raw, Descriptor descriptor) {
        if (raw != null && raw.length != descriptor.size()) {
            throw new InvalidDocumentException(kind, kind + " " + descriptor.digest() + " is " + raw.length
                    + " bytes but its descriptor says " + descriptor.size());
        }
    }

    private static Digest verify(String kind, byte[] raw, Digest expected) {
        if (expected == null) {
            return Digest.sha256(raw);
        }
        Digest actual = Digest.of(expected.algorithm(), raw);
        if (!actual.equals(expected)) {
            throw new DigestMismatchException(kind, expected, actual);
        }
        return actual;
    }

    private static JsonNode readObject(String kind, byte[] raw) {
        if (raw == null || raw.length == 0) {
            throw new InvalidDocumentException(kind, "empty document");
        }
        JsonNode tree;
        try {
            tree = MAPPER.readTree(raw);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new InvalidDocumentException(kind, "not valid JSON: " + e.getOriginalMessage()
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (tree == null || tree.isMissingNode()) {
            throw new InvalidDocumentException(kind, "empty document");
        }
        if (!tree.isObject()) {
            throw new InvalidDocumentException(kind, "expected a JSON object, got " + tree.getNodeType()
                    .name().toLowerCase(Locale.ROOT));
        }
        return tree;
    }

    private static String textField(String kind, JsonNode tree, String field) {
        JsonNode node = tree.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new InvalidDocumentException(kind, field + " must be a string, got " + node);
        }
        return node.asText().isEmpty() ? null : node.asText();
    }

    private static <T> T convert(String kind, JsonNode tree, Class<T> type) {
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (JsonMappingException e) {
            throw new InvalidDocumentException(kind, describe(e), e);
        } catch (JsonProcessingException e) {
            throw new InvalidDocumentException(kind, e.getOriginalMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new InvalidDocumentException(kind, e.getMessage(), e);
        }
    }

    /** "layers[1].digest: digest: sha256 needs 64 lowercase hex characters..." rather than Jackson's wording. */
    static String describe(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (path.length() > 0) {
                    path.append('.');
                }
                path.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        String message = null;
        for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
            if (t instanceof IllegalArgumentException && !(t instanceof JsonMappingException)) {
                message = t.getMessage();
            }
        }
        if (message == null) {
            message = e.getOriginalMessage();
            String missing = "Missing required creator property '";
            if (message != null && message.startsWith(missing)) {
                // Jackson's path already ends with the missing field; say it once: "config.size is required".
                String field = message.substring(missing.length(), message.indexOf('\'', missing.length()));
                String where = path.toString();
                if (!where.equals(field) && !where.endsWith("." + field)) {
                    where = where.isEmpty() ? field : where + "." + field;
                }
                return where + " is required";
            }
        }
        return path.length() == 0 ? message : path + ": " + message;
    }
}
