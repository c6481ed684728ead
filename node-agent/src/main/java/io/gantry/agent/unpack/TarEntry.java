package io.gantry.agent.unpack;

import java.util.Map;

/**
 * One member of a tar stream after its PAX and GNU long-name headers were folded in. Names are
 * exactly as the archive wrote them; {@link LayerExtractor} decides whether they are acceptable.
 *
 * @param xattrs SCHILY.xattr.* values as raw bytes (capabilities are binary)
 */
public record TarEntry(
        Type type,
        String name,
        String linkName,
        int mode,
        int uid,
        int gid,
        long size,
        long mtimeSeconds,
        int mtimeNanos,
        int devMajor,
        int devMinor,
        Map<String, byte[]> xattrs) {

    public enum Type {
        REGULAR, HARDLINK, SYMLINK, CHAR_DEVICE, BLOCK_DEVICE, DIRECTORY, FIFO
    }
}
