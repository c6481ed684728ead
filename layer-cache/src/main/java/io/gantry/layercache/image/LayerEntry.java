package io.gantry.layercache.image;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One entry of a layer tar, as a builder describes it. Paths are relative to the image root
 * ({@code "bin/sh"}, never {@code "/bin/sh"} or with {@code ..}); see {@link #normalize}.
 *
 * <p>A whiteout is an ordinary empty file named {@code .wh.NAME} next to the deleted {@code NAME};
 * an opaque directory is marked by an empty file {@code DIR/.wh..wh..opq} (OCI image spec,
 * "Representing Changes"). Both are written as such, so that a layer built here unpacks the same
 * way as one produced by Docker or BuildKit.
 *
 * @param content   inline bytes of a regular file (or null when {@code source} is used)
 * @param source    a host file to copy the bytes from (read when the layer is written)
 * @param linkTarget the target of a symlink (as written) or of a hardlink (an image path)
 * @param mode      permission bits including setuid/setgid/sticky (07777)
 */
public record LayerEntry(Type type, String path, int mode, long uid, long gid, Instant mtime,
                         byte[] content, Path source, String linkTarget, int devMajor, int devMinor,
                         Map<String, String> xattrs) {

    public enum Type { DIRECTORY, FILE, SYMLINK, HARDLINK, CHAR_DEVICE, BLOCK_DEVICE, FIFO }

    public static final String WHITEOUT_PREFIX = ".wh.";
    public static final String OPAQUE_MARKER = ".wh..wh..opq";

    public LayerEntry {
        Objects.requireNonNull(type, "layer entry: type");
        path = normalize(path);
        if (path.isEmpty() && type != Type.DIRECTORY) {
            throw new IllegalArgumentException("layer entry: only a directory may be the root");
        }
        if ((mode & ~07777) != 0) {
            throw new IllegalArgumentException("layer entry " + path + ": mode " + Integer.toOctalString(mode)
                    + " has bits outside 07777 (the type is given separately)");
        }
        if (uid < 0 || gid < 0) {
            throw new IllegalArgumentException("layer entry " + path + ": uid and gid must not be negative");
        }
        if (mtime == null) {
            mtime = Instant.EPOCH;
        }
        if ((type == Type.SYMLINK || type == Type.HARDLINK) && (linkTarget == null || linkTarget.isEmpty())) {
            throw new IllegalArgumentException("layer entry " + path + ": a " + type.name().toLowerCase() + " needs a target");
        }
        if (type == Type.HARDLINK) {
            linkTarget = normalize(linkTarget);
        }
        if (type == Type.FILE && content != null && source != null) {
            throw new IllegalArgumentException("layer entry " + path + ": content and source are exclusive");
        }
        if (type == Type.FILE && content == null && source == null) {
            content = new byte[0];
        }
        xattrs = xattrs == null ? Map.of() : Map.copyOf(xattrs);
    }

    /**
     * The canonical relative form: no leading {@code /} or {@code ./}, no empty or {@code .}
     * components, no trailing slash; {@code ..} is refused (a layer must not name anything
     * outside its root).
     */
    public static String normalize(String path) {
        if (path == null) {
            throw new IllegalArgumentException("layer entry: path is null");
        }
        StringBuilder out = new StringBuilder();
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw new IllegalArgumentException("layer entry '" + path + "': '..' is not allowed in a layer path");
            }
            if (part.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("layer entry '" + path.replace('\0', '?') + "': NUL in a path");
            }
            if (out.length() > 0) {
                out.append('/');
            }
            out.append(part);
        }
        return out.toString();
    }

    /** The name in the tar: directories end with {@code /}. */
    String tarName() {
        return type == Type.DIRECTORY ? path + "/" : path;
    }

    /** A {@code .wh.NAME} deletion marker or the opaque marker. */
    public boolean isWhiteout() {
        String name = path.substring(path.lastIndexOf('/') + 1);
        return name.startsWith(WHITEOUT_PREFIX);
    }
}
