package io.gantry.agent.unpack;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;

/**
 * A streaming reader of ustar / GNU / PAX tar archives, as layer tars are written by Docker,
 * BuildKit, Go's archive/tar and GNU tar.
 *
 * <p>Why not commons-compress: it decodes PAX values as UTF-8 strings, which corrupts binary
 * {@code SCHILY.xattr.security.capability} values, and it reads records 512 bytes at a time.
 * This reader owns one large buffer; every byte pulled from the underlying stream goes through
 * {@link #fill()}, which also feeds the digest, so the diff id is computed in the same pass.
 * File content is handed to a {@link ContentSink} straight from that buffer.
 *
 * <p>Limits against hostile input: PAX and GNU long-name records are capped at 1 MiB, header
 * checksums are verified, sparse members and unknown types are refused.
 */
public final class TarReader {
    static final int BLOCK = 512;
    private static final int MAX_META_RECORD = 1 << 20;

    /** Receives a member's content in chunks, straight from the reader's buffer. */
    @FunctionalInterface
    public interface ContentSink {
        void accept(byte[] buffer, int offset, int length) throws IOException;
    }

    private final InputStream in;
    private final MessageDigest digest;
    private final byte[] buf;
    private int pos;
    private int limit;
    private long total;
    private boolean eof;
    private long remainingContent;
    private int remainingPadding;
    private boolean endOfArchive;

    /**
     * @param digest fed with every byte read from {@code in}, including what follows the end of
     *               the archive once {@link #drain()} is called; may be null
     */
    public TarReader(InputStream in, MessageDigest digest, int bufferSize) {
        if (bufferSize < BLOCK || bufferSize % BLOCK != 0) {
            throw new IllegalArgumentException("buffer size must be a multiple of 512: " + bufferSize);
        }
        this.in = in;
        this.digest = digest;
        this.buf = new byte[bufferSize];
    }

    /** Uncompressed bytes consumed so far. */
    public long bytesRead() {
        return total;
    }

    /** The next member, or null at the end of the archive. Unread content of the previous one is skipped. */
    public TarEntry next() throws IOException {
        if (endOfArchive) {
            return null;
        }
        skipContent();
        String longName = null;
        String longLink = null;
        Map<String, byte[]> pax = null;
        while (true) {
            byte[] header = readBlockOrNull();
            if (header == null || isZero(header)) {
                // One zero block (or a clean EOF) ends the archive; GNU tar accepts both.
                endOfArchive = true;
                return null;
            }
            verifyChecksum(header);
            byte flag = header[156];
            long size = parseNumber(header, 124, 12, "size");
            if (size < 0) {
                throw new LayerFormatException("tar member with negative size at offset " + (total - BLOCK));
            }
            switch (flag) {
                case 'x' -> {
                    pax = parsePax(readMetaRecord(size, "PAX header"));
                    continue;
                }
                case 'g' -> {
                    // Global PAX headers carry archive comments in practice; Docker ignores them too.
                    readMetaRecord(size, "global PAX header");
                    continue;
                }
                case 'L' -> {
                    longName = cString(readMetaRecord(size, "GNU long name"));
                    continue;
                }
                case 'K' -> {
                    longLink = cString(readMetaRecord(size, "GNU long link name"));
                    continue;
                }
                default -> {
                }
            }
            return member(header, flag, size, longName, longLink, pax);
        }
    }

    private TarEntry member(byte[] h, byte flag, long headerSize, String longName, String longLink,
                            Map<String, byte[]> pax) throws IOException {
        TarEntry.Type type = switch (flag) {
            case '0', 0, '7' -> TarEntry.Type.REGULAR;
            case '1' -> TarEntry.Type.HARDLINK;
            case '2' -> TarEntry.Type.SYMLINK;
            case '3' -> TarEntry.Type.CHAR_DEVICE;
            case '4' -> TarEntry.Type.BLOCK_DEVICE;
            case '5' -> TarEntry.Type.DIRECTORY;
            case '6' -> TarEntry.Type.FIFO;
            case 'S' -> throw new LayerFormatException("GNU sparse members are not supported (entry '"
                    + headerName(h) + "')");
            default -> throw new LayerFormatException("unsupported tar member type '"
                    + (flag >= 32 && flag < 127 ? String.valueOf((char) flag) : "0x" + Integer.toHexString(flag & 0xff))
                    + "' (entry '" + headerName(h) + "')");
        };
        String name = longName != null ? longName : headerName(h);
        String linkName = longLink != null ? longLink : string(h, 157, 100);
        long size = headerSize;
        int uid = (int) parseNumber(h, 108, 8, "uid");
        int gid = (int) parseNumber(h, 116, 8, "gid");
        long mtime = parseNumber(h, 136, 12, "mtime");
        int mtimeNanos = 0;
        Map<String, byte[]> xattrs = Map.of();
        if (pax != null) {
            for (Map.Entry<String, byte[]> e : pax.entrySet()) {
                String key = e.getKey();
                byte[] value = e.getValue();
                switch (key) {
                    case "path" -> name = utf8(value, "PAX path");
                    case "linkpath" -> linkName = utf8(value, "PAX linkpath");
                    case "size" -> size = paxLong(value, key);
                    case "uid" -> uid = (int) paxLong(value, key);
                    case "gid" -> gid = (int) paxLong(value, key);
                    case "mtime" -> {
                        String text = ascii(value);
                        try {
                            java.math.BigDecimal t = new java.math.BigDecimal(text);
                            java.math.BigDecimal secs = t.setScale(0, java.math.RoundingMode.FLOOR);
                            mtime = secs.longValueExact();
                            mtimeNanos = t.subtract(secs).movePointRight(9).intValue();
                        } catch (ArithmeticException | NumberFormatException ex) {
                            throw new LayerFormatException("bad PAX mtime '" + text + "'");
                        }
                    }
                    default -> {
                        if (key.startsWith("SCHILY.xattr.")) {
                            if (xattrs.isEmpty()) {
                                xattrs = new HashMap<>();
                            }
                            xattrs.put(key.substring("SCHILY.xattr.".length()), value);
                        } else if (key.startsWith("GNU.sparse.")) {
                            throw new LayerFormatException("GNU sparse members are not supported (entry '" + name + "')");
                        }
                        // atime, ctime, uname, gname, comment, charset...: not needed to unpack.
                    }
                }
            }
        }
        if (size < 0) {
            throw new LayerFormatException("negative size for entry '" + name + "'");
        }
        // Only regular files carry content; hard links and others announce a size of zero
        // but Go's and GNU's writers agree on that, so a non-zero size is skipped, not trusted.
        remainingContent = size;
        remainingPadding = (int) ((BLOCK - (size % BLOCK)) % BLOCK);
        int devMajor = 0;
        int devMinor = 0;
        if (type == TarEntry.Type.CHAR_DEVICE || type == TarEntry.Type.BLOCK_DEVICE) {
            devMajor = (int) parseNumber(h, 329, 8, "devmajor");
            devMinor = (int) parseNumber(h, 337, 8, "devminor");
        }
        int mode = (int) (parseNumber(h, 100, 8, "mode") & 07777);
        return new TarEntry(type, name, linkName, mode, uid, gid, size, mtime, mtimeNanos, devMajor, devMinor, xattrs);
    }

    /** Streams the current member's remaining content into {@code sink}. */
    public void copyContent(ContentSink sink) throws IOException {
        while (remainingContent > 0) {
            if (pos == limit && !fill()) {
                throw truncated();
            }
            int n = (int) Math.min(limit - pos, remainingContent);
            sink.accept(buf, pos, n);
            pos += n;
            remainingContent -= n;
        }
        skipPadding();
    }

    public void skipContent() throws IOException {
        while (remainingContent > 0) {
            if (pos == limit && !fill()) {
                throw truncated();
            }
            int n = (int) Math.min(limit - pos, remainingContent);
            pos += n;
            remainingContent -= n;
        }
        skipPadding();
    }

    private void skipPadding() throws IOException {
        while (remainingPadding > 0) {
            if (pos == limit && !fill()) {
                throw truncated();
            }
            int n = Math.min(limit - pos, remainingPadding);
            pos += n;
            remainingPadding -= n;
        }
    }

    /** Reads (and digests) everything after the end of the archive, as the diff id covers it too. */
    public void drain() throws IOException {
        if (!endOfArchive) {
            throw new IllegalStateException("drain before the end of the archive");
        }
        pos = limit;
        while (fill()) {
            pos = limit;
        }
    }

    private boolean fill() throws IOException {
        if (eof) {
            return false;
        }
        int n;
        do {
            n = in.read(buf, 0, buf.length);
        } while (n == 0);
        if (n < 0) {
            eof = true;
            pos = limit = 0;
            return false;
        }
        if (digest != null) {
            digest.update(buf, 0, n);
        }
        total += n;
        pos = 0;
        limit = n;
        return true;
    }

    private byte[] readBlockOrNull() throws IOException {
        byte[] block = new byte[BLOCK];
        int got = 0;
        while (got < BLOCK) {
            if (pos == limit && !fill()) {
                if (got == 0) {
                    return null;
                }
                throw truncated();
            }
            int n = Math.min(limit - pos, BLOCK - got);
            System.arraycopy(buf, pos, block, got, n);
            pos += n;
            got += n;
        }
        return block;
    }

    private byte[] readMetaRecord(long size, String what) throws IOException {
        if (size > MAX_META_RECORD) {
            throw new LayerFormatException(what + " of " + size + " bytes is larger than the 1 MiB limit");
        }
        byte[] data = new byte[(int) size];
        int got = 0;
        while (got < size) {
            if (pos == limit && !fill()) {
                throw truncated();
            }
            int n = Math.min(limit - pos, data.length - got);
            System.arraycopy(buf, pos, data, got, n);
            pos += n;
            got += n;
        }
        remainingPadding = (int) ((BLOCK - (size % BLOCK)) % BLOCK);
        skipPadding();
        return data;
    }

    private static Map<String, byte[]> parsePax(byte[] data) throws LayerFormatException {
        Map<String, byte[]> out = new HashMap<>();
        int i = 0;
        while (i < data.length) {
            if (data[i] == 0) {
                break; // some writers pad the record with NULs
            }
            int start = i;
            int len = 0;
            while (i < data.length && data[i] >= '0' && data[i] <= '9') {
                len = len * 10 + (data[i] - '0');
                if (len > data.length) {
                    throw new LayerFormatException("malformed PAX record length");
                }
                i++;
            }
            if (i >= data.length || data[i] != ' ' || len <= 0 || start + len > data.length
                    || data[start + len - 1] != '\n') {
                throw new LayerFormatException("malformed PAX record at offset " + start);
            }
            int keyStart = i + 1;
            int eq = keyStart;
            int end = start + len - 1;
            while (eq < end && data[eq] != '=') {
                eq++;
            }
            if (eq >= end) {
                throw new LayerFormatException("malformed PAX record at offset " + start + " (no '=')");
            }
            String key = new String(data, keyStart, eq - keyStart, StandardCharsets.UTF_8);
            byte[] value = java.util.Arrays.copyOfRange(data, eq + 1, end);
            out.put(key, value);
            i = start + len;
        }
        return out;
    }

    private static long paxLong(byte[] value, String key) throws LayerFormatException {
        String text = ascii(value);
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new LayerFormatException("bad PAX " + key + " '" + text + "'");
        }
    }

    private static String headerName(byte[] h) throws LayerFormatException {
        String name = string(h, 0, 100);
        // POSIX ustar has a 155-byte prefix; the old GNU format uses that area for times.
        boolean ustar = h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r'
                && h[262] == 0;
        if (ustar && h[345] != 0) {
            name = string(h, 345, 155) + "/" + name;
        }
        return name;
    }

    private static String string(byte[] h, int off, int len) throws LayerFormatException {
        int end = off;
        while (end < off + len && h[end] != 0) {
            end++;
        }
        return utf8(java.util.Arrays.copyOfRange(h, off, end), "header name");
    }

    private static String cString(byte[] data) throws LayerFormatException {
        int end = 0;
        while (end < data.length && data[end] != 0) {
            end++;
        }
        return utf8(java.util.Arrays.copyOf(data, end), "GNU long name");
    }

    private static String utf8(byte[] bytes, String what) throws LayerFormatException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new LayerFormatException(what + " is not valid UTF-8: "
                    + java.util.HexFormat.of().formatHex(bytes));
        }
    }

    private static String ascii(byte[] value) {
        return new String(value, StandardCharsets.US_ASCII).trim();
    }

    private static long parseNumber(byte[] h, int off, int len, String field) throws LayerFormatException {
        if ((h[off] & 0x80) != 0) {
            // base-256 (GNU / star): big-endian two's complement, the marker bit stripped for positives
            boolean negative = (h[off] & 0x40) != 0;
            long v = negative ? -1 : 0;
            for (int i = 0; i < len; i++) {
                int b = h[off + i] & 0xff;
                if (i == 0) {
                    b &= 0x7f;
                    if (negative) {
                        b |= 0x80;
                    }
                }
                if (!negative && i < len - 8 && b != 0) {
                    throw new LayerFormatException("tar " + field + " does not fit in 64 bits");
                }
                v = (v << 8) | b;
            }
            return v;
        }
        int i = off;
        int end = off + len;
        while (i < end && (h[i] == ' ' || h[i] == 0)) {
            i++;
        }
        long v = 0;
        while (i < end && h[i] >= '0' && h[i] <= '7') {
            v = (v << 3) | (h[i] - '0');
            i++;
        }
        while (i < end) {
            if (h[i] != ' ' && h[i] != 0) {
                throw new LayerFormatException("tar " + field + " field is not octal: '"
                        + new String(h, off, len, StandardCharsets.US_ASCII).trim() + "'");
            }
            i++;
        }
        return v;
    }

    private void verifyChecksum(byte[] h) throws LayerFormatException {
        long expected = parseNumber(h, 148, 8, "checksum");
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            byte b = (i >= 148 && i < 156) ? (byte) ' ' : h[i];
            unsigned += b & 0xff;
            signed += b;
        }
        if (expected != unsigned && expected != signed) {
            throw new LayerFormatException("tar header checksum mismatch at offset " + (total - (limit - pos) - BLOCK)
                    + " (not a tar stream, or corrupted)");
        }
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private EOFException truncated() {
        return new EOFException("layer tar is truncated after " + total + " bytes");
    }
}
