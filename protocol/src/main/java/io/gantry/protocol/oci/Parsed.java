package io.gantry.protocol.oci;

import java.util.Arrays;
import java.util.Objects;

/**
 * A document read from bytes, kept together with those bytes.
 *
 * <p>The digest names the bytes as received: a manifest is addressed (and signed, and
 * referenced by {@code subject}) by the digest of its exact bytes, and re-serialising the value
 * would change whitespace, field order or number formatting, and with it the digest. So the raw
 * bytes travel with the value and are what gets stored, served to peers and pushed.
 *
 * @param value     the parsed document
 * @param raw       the bytes it was parsed from (copied in and out: the record is immutable)
 * @param digest    the digest of {@code raw}
 * @param mediaType the document's media type: its own mediaType field, else the one it was served
 *                  or referenced with, else the OCI type its shape implies
 */
public record Parsed<T>(T value, byte[] raw, Digest digest, String mediaType) {

    public Parsed {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(raw, "raw");
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(mediaType, "mediaType");
        raw = raw.clone();
        Digest actual = Digest.of(digest.algorithm(), raw);
        if (!actual.equals(digest)) {
            throw new IllegalArgumentException("parsed document: digest " + digest + " is not the digest of its bytes ("
                    + actual + ")");
        }
    }

    @Override
    public byte[] raw() {
        return raw.clone();
    }

    public long size() {
        return raw.length;
    }

    /** The descriptor that points at these bytes. */
    public Descriptor descriptor() {
        return Descriptor.of(mediaType, digest, raw.length);
    }

    /**
     * This document as the given kind, e.g. {@code parseManifest(bytes).as(ImageManifest.class)}.
     *
     * @throws InvalidDocumentException naming what it is instead
     */
    public <U> Parsed<U> as(Class<U> kind) {
        if (!kind.isInstance(value)) {
            throw new InvalidDocumentException(OciJson.kindName(kind), "expected " + article(OciJson.kindName(kind))
                    + " but the document " + digest + " is " + article(OciJson.kindName(value.getClass()))
                    + " (" + mediaType + ")");
        }
        @SuppressWarnings("unchecked")
        Parsed<U> cast = (Parsed<U>) this;
        return cast;
    }

    private static String article(String noun) {
        return ("aeiou".indexOf(noun.charAt(0)) >= 0 ? "an " : "a ") + noun;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Parsed<?> p && digest.equals(p.digest) && mediaType.equals(p.mediaType)
                && Arrays.equals(raw, p.raw);
    }

    @Override
    public int hashCode() {
        return digest.hashCode();
    }

    @Override
    public String toString() {
        return "Parsed[" + mediaType + ", " + digest + ", " + raw.length + " bytes]";
    }
}
