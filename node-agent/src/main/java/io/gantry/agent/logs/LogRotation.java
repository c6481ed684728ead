package io.gantry.agent.logs;

/**
 * Size-based rotation of a json-file log, with Docker's option names: {@code max-size} bytes per
 * file and {@code max-file} files in all (the live file plus {@code maxFiles - 1} rotated ones,
 * {@code container.log.1} the newest of those). {@code maxSize <= 0} means never rotate.
 */
public record LogRotation(long maxSize, int maxFiles) {

    public static final LogRotation DEFAULT = new LogRotation(10L * 1024 * 1024, 3);
    public static final LogRotation NONE = new LogRotation(0, 1);

    public LogRotation {
        if (maxFiles < 1) {
            throw new IllegalArgumentException("max-file must be at least 1, got " + maxFiles);
        }
    }

    public boolean rotates() {
        return maxSize > 0;
    }

    /** Parses Docker-style sizes: 512, 10k, 20m, 1g (binary multiples). */
    public static long parseSize(String text) {
        String s = text.trim().toLowerCase();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty size");
        }
        long mult = 1;
        char last = s.charAt(s.length() - 1);
        if (last == 'b') {
            s = s.substring(0, s.length() - 1);
            last = s.isEmpty() ? ' ' : s.charAt(s.length() - 1);
        }
        switch (last) {
            case 'k' -> mult = 1024L;
            case 'm' -> mult = 1024L * 1024;
            case 'g' -> mult = 1024L * 1024 * 1024;
            default -> mult = 1;
        }
        if (mult != 1) {
            s = s.substring(0, s.length() - 1);
        }
        try {
            long v = Long.parseLong(s.trim());
            if (v < 0) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(v, mult);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("bad size '" + text + "' (expected e.g. 512, 10k, 20m, 1g)");
        }
    }
}
