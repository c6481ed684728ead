package io.gantry.agent.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The calling process's mounts, from {@code /proc/self/mountinfo}; used to find what still
 * uses a snapshot directory before it is deleted.
 */
final class MountTable {
    record Entry(String device, String root, Path mountPoint, String type, String source, String superOptions) {
    }

    private final List<Entry> entries;

    private MountTable(List<Entry> entries) {
        this.entries = entries;
    }

    static MountTable read() throws IOException {
        List<Entry> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            // id parent major:minor root mountpoint options [optional...] - type source superoptions
            String[] f = line.split(" ");
            int dash = 6;
            while (dash < f.length && !f[dash].equals("-")) {
                dash++;
            }
            if (dash + 3 > f.length) {
                continue;
            }
            out.add(new Entry(f[2], unescape(f[3]), Path.of(unescape(f[4])), f[dash + 1],
                    unescape(f[dash + 2]), dash + 3 < f.length ? unescape(f[dash + 3]) : ""));
        }
        return new MountTable(out);
    }

    List<Entry> entries() {
        return entries;
    }

    boolean isMountPoint(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        return entries.stream().anyMatch(e -> e.mountPoint().equals(abs));
    }

    /**
     * Mount points whose content comes from {@code dir}: overlay mounts with it as upper dir, and
     * bind mounts of it (same device, mount root at or under it). Deepest first.
     */
    List<Path> mountPointsUsing(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        List<Path> out = new ArrayList<>();
        String upper = "upperdir=" + abs;
        Entry containing = null;
        for (Entry e : entries) {
            if (abs.startsWith(e.mountPoint())
                    && (containing == null || e.mountPoint().getNameCount() >= containing.mountPoint().getNameCount())) {
                containing = e;
            }
        }
        String bindRoot = null;
        if (containing != null) {
            Path rel = containing.mountPoint().relativize(abs);
            bindRoot = Path.of(containing.root()).resolve(rel).normalize().toString();
        }
        for (Entry e : entries) {
            if (e.type().equals("overlay")) {
                for (String o : e.superOptions().split(",")) {
                    if (o.equals(upper)) {
                        out.add(e.mountPoint());
                    }
                }
            } else if (containing != null && e != containing && e.device().equals(containing.device())
                    && (e.root().equals(bindRoot) || e.root().startsWith(bindRoot + "/"))) {
                out.add(e.mountPoint());
            }
        }
        out.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        return out;
    }

    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
