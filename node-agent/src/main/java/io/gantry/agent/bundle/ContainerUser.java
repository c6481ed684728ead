package io.gantry.agent.bundle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The user a container runs as, resolved the way Docker (runc's libcontainer/user) does from the
 * image's or job's {@code User}: {@code name}, {@code uid}, {@code name:group}, {@code uid:gid}
 * (and mixes), looked up in the container's own {@code /etc/passwd} and {@code /etc/group},
 * never the host's. A numeric uid need not exist (gid 0, home "/"); a name must. Without an
 * explicit group the user's supplementary groups come from {@code /etc/group} membership.
 */
public record ContainerUser(long uid, long gid, List<Long> additionalGids, String home) {

    public static final ContainerUser ROOT = new ContainerUser(0, 0, List.of(), "/root");

    public static ContainerUser resolve(String spec, Path rootfs) throws IOException {
        if (spec == null || spec.isEmpty()) {
            spec = "0";
        }
        int colon = spec.indexOf(':');
        String userPart = colon < 0 ? spec : spec.substring(0, colon);
        String groupPart = colon < 0 ? "" : spec.substring(colon + 1);
        if (userPart.isEmpty()) {
            throw new BundleException("user '" + spec + "': empty user name");
        }
        List<String[]> passwd = readColonFile(rootfs, "/etc/passwd");
        List<String[]> groups = readColonFile(rootfs, "/etc/group");

        long uid;
        long gid = 0;
        String name = null;
        String home = "/";
        String[] entry = null;
        for (String[] p : passwd) {
            if (p.length >= 4 && (p[0].equals(userPart) || (isNumeric(userPart) && p[2].equals(userPart)))) {
                entry = p;
                break;
            }
        }
        if (entry != null) {
            name = entry[0];
            uid = parseId(entry[2], "uid of " + entry[0] + " in /etc/passwd");
            gid = parseId(entry[3], "gid of " + entry[0] + " in /etc/passwd");
            if (entry.length >= 6 && !entry[5].isEmpty()) {
                home = entry[5];
            }
        } else if (isNumeric(userPart)) {
            uid = parseId(userPart, "uid");
        } else {
            throw new BundleException("unable to find user " + userPart + ": no matching entries in the image's /etc/passwd");
        }

        List<Long> extra = new ArrayList<>();
        if (!groupPart.isEmpty()) {
            String[] g = null;
            for (String[] row : groups) {
                if (row.length >= 3 && (row[0].equals(groupPart) || (isNumeric(groupPart) && row[2].equals(groupPart)))) {
                    g = row;
                    break;
                }
            }
            if (g != null) {
                gid = parseId(g[2], "gid of group " + g[0] + " in /etc/group");
            } else if (isNumeric(groupPart)) {
                gid = parseId(groupPart, "gid");
            } else {
                throw new BundleException("unable to find group " + groupPart + ": no matching entries in the image's /etc/group");
            }
        } else if (name != null) {
            for (String[] row : groups) {
                if (row.length >= 4 && !row[3].isEmpty()) {
                    for (String member : row[3].split(",")) {
                        if (member.trim().equals(name)) {
                            long g = parseId(row[2], "gid of group " + row[0] + " in /etc/group");
                            if (g != gid && !extra.contains(g)) {
                                extra.add(g);
                            }
                        }
                    }
                }
            }
        }
        return new ContainerUser(uid, gid, List.copyOf(extra), home);
    }

    private static List<String[]> readColonFile(Path rootfs, String path) throws IOException {
        Path p;
        try {
            p = RootfsPaths.resolve(rootfs, path);
        } catch (IOException e) {
            throw new BundleException("read the image's " + path + ": " + e.getMessage(), e);
        }
        List<String[]> rows = new ArrayList<>();
        List<String> lines;
        try {
            if (!Files.isRegularFile(p)) {
                return rows;
            }
            lines = Files.readAllLines(p, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return rows;
        } catch (java.nio.charset.MalformedInputException e) {
            lines = Files.readAllLines(p, StandardCharsets.ISO_8859_1);
        }
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            rows.add(line.split(":", -1));
        }
        return rows;
    }

    private static boolean isNumeric(String s) {
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
    }

    private static long parseId(String s, String what) {
        try {
            long v = Long.parseLong(s.trim());
            if (v < 0 || v > 0xFFFF_FFFEL) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new BundleException("bad " + what + ": '" + s + "'");
        }
    }
}
