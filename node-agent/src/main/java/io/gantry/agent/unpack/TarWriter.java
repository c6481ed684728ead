package io.gantry.agent.unpack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a POSIX (ustar + PAX) tar stream: PAX records for names and link names that do not fit
 * or are not ASCII, for ids and sizes beyond the octal fields, and for xattrs, whose values are
 * written byte for byte ({@code SCHILY.xattr.*}, as Docker and GNU tar read them). Times are
 * whole seconds, like Docker's layer tars, so equal trees give equal bytes.
 */
public final class TarWriter {
    private static final int BLOCK = TarReader.BLOCK;
    private static final long MAX_OCTAL_8 = 07777777L;
    private static final long MAX_OCTAL_12 = 077777777777L;

    private final OutputStream out;
    private final byte[] copyBuffer = new byte[256 * 1024];
    private boolean finished;

    public TarWriter(OutputStream out) {
        this.out = out;
    }

    /** Writes one member; {@code content} supplies exactly {@code e.size()} bytes for a regular file. */
    public void write(TarEntry e, InputStream content) throws IOException {
        String name = e.type() == TarEntry.Type.DIRECTORY && !e.name().endsWith("/") ? e.name() + "/" : e.name();
        Map<String, byte[]> pax = new TreeMap<>();
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length > 100 || !isAscii(name)) {
            pax.put("path", nameBytes);
        }
        String link = e.linkName() == null ? "" : e.linkName();
        byte[] linkBytes = link.getBytes(StandardCharsets.UTF_8);
        if (linkBytes.length > 100 || !isAscii(link)) {
            pax.put("linkpath", linkBytes);
        }
        long size = e.type() == TarEntry.Type.REGULAR ? e.size() : 0;
        if (size > MAX_OCTAL_12) {
            pax.put("size", Long.toString(size).getBytes(StandardCharsets.US_ASCII));
        }
        if ((e.uid() & 0xffffffffL) > MAX_OCTAL_8) {
            pax.put("uid", Long.toString(e.uid() & 0xffffffffL).getBytes(StandardCharsets.US_ASCII));
        }
        if ((e.gid() & 0xffffffffL) > MAX_OCTAL_8) {
            pax.put("gid", Long.toString(e.gid() & 0xffffffffL).getBytes(StandardCharsets.US_ASCII));
        }
        for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
            pax.put("SCHILY.xattr." + x.getKey(), x.getValue());
        }
        if (!pax.isEmpty()) {
            byte[] records = paxRecords(pax);
            String paxName = "PaxHeaders.0/" + shortName(name);
            out.write(header(paxName, (byte) 'x', 0, records.length, 0, 0, 0, "", 0, 0));
            out.write(records);
            pad(records.length);
        }
        byte flag = switch (e.type()) {
            case REGULAR -> '0';
            case HARDLINK -> '1';
            case SYMLINK -> '2';
            case CHAR_DEVICE -> '3';
            case BLOCK_DEVICE -> '4';
            case DIRECTORY -> '5';
            case FIFO -> '6';
        };
        out.write(header(pax.containsKey("path") ? shortName(name) : name, flag, e.mode(),
                Math.min(size, MAX_OCTAL_12), Math.min(e.uid() & 0xffffffffL, MAX_OCTAL_8),
                Math.min(e.gid() & 0xffffffffL, MAX_OCTAL_8), Math.max(0, e.mtimeSeconds()),
                pax.containsKey("linkpath") ? "" : link, e.devMajor(), e.devMinor()));
        if (size > 0) {
            long left = size;
            while (left > 0) {
                int n = content.read(copyBuffer, 0, (int) Math.min(copyBuffer.length, left));
                if (n < 0) {
                    throw new IOException("content of '" + e.name() + "' ended " + left + " bytes early (changed while written?)");
                }
                out.write(copyBuffer, 0, n);
                left -= n;
            }
            pad(size);
        }
    }

    /** Writes the end-of-archive marker (two zero blocks). */
    public void finish() throws IOException {
        if (!finished) {
            out.write(new byte[2 * BLOCK]);
            finished = true;
        }
    }

    private void pad(long size) throws IOException {
        int padding = (int) ((BLOCK - (size % BLOCK)) % BLOCK);
        if (padding > 0) {
            out.write(new byte[padding]);
        }
    }

    private static byte[] paxRecords(Map<String, byte[]> pax) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> r : pax.entrySet()) {
            byte[] key = r.getKey().getBytes(StandardCharsets.UTF_8);
            int body = 1 + key.length + 1 + r.getValue().length + 1; // " key=value\n"
            int len = body + Integer.toString(body).length();
            if (Integer.toString(len).length() != Integer.toString(body).length()) {
                len++;
            }
            b.writeBytes((len + " ").getBytes(StandardCharsets.US_ASCII));
            b.writeBytes(key);
            b.write('=');
            b.writeBytes(r.getValue());
            b.write('\n');
        }
        return b.toByteArray();
    }

    private static String shortName(String name) {
        StringBuilder s = new StringBuilder();
        for (char c : name.toCharArray()) {
            if (c < 128 && s.length() < 99) {
                s.append(c);
            }
        }
        return s.toString();
    }

    private static byte[] header(String name, byte flag, int mode, long size, long uid, long gid, long mtime,
                                 String link, int devMajor, int devMinor) {
        byte[] h = new byte[BLOCK];
        put(h, 0, 100, name.getBytes(StandardCharsets.UTF_8));
        octal(h, 100, 8, mode & 07777);
        octal(h, 108, 8, uid);
        octal(h, 116, 8, gid);
        octal(h, 124, 12, size);
        octal(h, 136, 12, Math.min(mtime, MAX_OCTAL_12));
        h[156] = flag;
        put(h, 157, 100, link.getBytes(StandardCharsets.UTF_8));
        put(h, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
        put(h, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
        if (flag == '3' || flag == '4') {
            octal(h, 329, 8, devMajor);
            octal(h, 337, 8, devMinor);
        }
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        octal(h, 148, 7, sum);
        return h;
    }

    private static void octal(byte[] h, int off, int width, long v) {
        String s = Long.toOctalString(v);
        for (int i = 0; i < width - 1; i++) {
            int from = s.length() - (width - 1) + i;
            h[off + i] = (byte) (from < 0 ? '0' : s.charAt(from));
        }
        h[off + width - 1] = 0;
    }

    private static void put(byte[] h, int off, int max, byte[] v) {
        System.arraycopy(v, 0, h, off, Math.min(max, v.length));
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 128) {
                return false;
            }
        }
        return true;
    }
}
