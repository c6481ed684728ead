package io.gantry.protocol.job;

import java.util.regex.Pattern;

/**
 * Builds the JSONPath strings that {@link Problem}s carry: {@code $}, {@code $.resources.cpuMillis},
 * {@code $.volumes[2]}, and bracket notation ({@code $.env['MY VAR']}) for member names that are
 * not plain identifiers, so that every path can be read back unambiguously.
 */
public final class ProblemPath {

    public static final String ROOT = "$";

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private ProblemPath() {
    }

    public static String field(String parent, String name) {
        if (PLAIN.matcher(name).matches()) {
            return parent + "." + name;
        }
        return parent + "['" + name.replace("\\", "\\\\").replace("'", "\\'") + "']";
    }

    public static String element(String parent, int index) {
        return parent + "[" + index + "]";
    }

    /** True when {@code path} is {@code ancestor} itself or lies below it. */
    public static boolean isWithin(String path, String ancestor) {
        if (!path.startsWith(ancestor)) {
            return false;
        }
        if (path.length() == ancestor.length()) {
            return true;
        }
        char next = path.charAt(ancestor.length());
        return next == '.' || next == '[';
    }
}
