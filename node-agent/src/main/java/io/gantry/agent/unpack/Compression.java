package io.gantry.agent.unpack;

import com.github.luben.zstd.ZstdInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * How a layer blob is compressed, told from its first bytes (media types lie in practice:
 * Docker's "tar.gzip" layers are sometimes plain tar, so the content decides).
 */
public enum Compression {
    NONE, GZIP, ZSTD;

    private static final int INFLATE_BUFFER = 256 * 1024;

    /** Wraps {@code blob} in the right decompressor; {@code blob} must support mark/reset. */
    public static Decompressed open(BufferedInputStream blob) throws IOException {
        blob.mark(8);
        byte[] magic = blob.readNBytes(6);
        blob.reset();
        Compression c = detect(magic);
        InputStream in = switch (c) {
            case GZIP -> new GZIPInputStream(blob, INFLATE_BUFFER);
            case ZSTD -> new ZstdInputStream(blob);
            case NONE -> blob;
        };
        return new Decompressed(c, in);
    }

    static Compression detect(byte[] magic) throws LayerFormatException {
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            return GZIP;
        }
        if (magic.length >= 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5
                && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd) {
            return ZSTD;
        }
        if (magic.length >= 3 && magic[0] == 'B' && magic[1] == 'Z' && magic[2] == 'h') {
            throw new LayerFormatException("bzip2-compressed layers are not supported (gzip, zstd or plain tar)");
        }
        if (magic.length >= 6 && (magic[0] & 0xff) == 0xfd && magic[1] == '7' && magic[2] == 'z'
                && magic[3] == 'X' && magic[4] == 'Z' && magic[5] == 0) {
            throw new LayerFormatException("xz-compressed layers are not supported (gzip, zstd or plain tar)");
        }
        return NONE;
    }

    public record Decompressed(Compression compression, InputStream stream) {
    }
}
