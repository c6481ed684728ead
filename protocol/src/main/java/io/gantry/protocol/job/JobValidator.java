package io.gantry.protocol.job;

import io.gantry.protocol.oci.ImageReference;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

import static io.gantry.protocol.job.ProblemPath.element;
import static io.gantry.protocol.job.ProblemPath.field;

/**
 * The content rules of a {@link JobSpec}. Every rule runs, and every violation becomes a
 * {@link Problem} with the JSON path of the offending value, in document order. The rules are
 * about what can never work (a path that is not absolute, 1 byte of memory, a constraint
 * operator with the wrong number of values); what merely cannot be placed right now (more memory
 * than any node has) is the scheduler's to explain.
 */
public final class JobValidator {

    /** Job ids are DNS labels: they appear in URLs, container names and hostnames. */
    public static final Pattern JOB_ID = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    /** POSIX shell-compatible variable names. */
    public static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /**
     * Label keys (job and node labels, constraint labels): letters, digits, '.', '_', '-', '/',
     * starting and ending with a letter or digit, e.g. {@code zone} or {@code gantry.io/disk}.
     */
    public static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?");
    /** {@code user}, {@code uid}, {@code user:group} or {@code uid:gid}. */
    public static final Pattern USER = Pattern.compile(
            "[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,31})?");
    /** Named volumes become directory names on the node. */
    public static final Pattern VOLUME_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    public static final int MAX_COUNT = 10_000;
    public static final int MAX_NAME_LENGTH = 128;
    public static final int MAX_LABEL_KEY_LENGTH = 253;
    public static final int MAX_LABEL_VALUE_LENGTH = 256;
    public static final int MAX_ENV_NAME_LENGTH = 256;
    /** Linux's MAX_ARG_STRLEN: one argument or environment string may not be longer. */
    public static final int MAX_ARG_BYTES = 128 * 1024;
    public static final int MAX_ARGS = 4096;
    public static final Duration MAX_BACKOFF = Duration.ofHours(24);
    public static final Duration MAX_STOP_TIMEOUT = Duration.ofHours(1);

    private JobValidator() {
    }

    public static List<Problem> validate(JobSpec spec) {
        List<Problem> problems = new ArrayList<>();
        String root = ProblemPath.ROOT;

        String id = field(root, "id");
        if (spec.id().isEmpty()) {
            problems.add(new Problem(id, "is required"));
        } else if (!JOB_ID.matcher(spec.id()).matches()) {
            problems.add(new Problem(id, "'" + spec.id() + "' is not a valid job id: use 1 to 63 lowercase letters,"
                    + " digits and '-', starting and ending with a letter or digit"));
        }
        if (!spec.name().equals(spec.id())) {
            checkText(spec.name(), MAX_NAME_LENGTH, field(root, "name"), problems);
        }
        checkImage(spec.image(), field(root, "image"), problems);

        spec.entrypoint().ifPresent(e -> checkArgs(e, field(root, "entrypoint"), problems));
        spec.command().ifPresent(c -> checkArgs(c, field(root, "command"), problems));
        checkArgs(spec.args(), field(root, "args"), problems);
        checkEnv(spec.env(), field(root, "env"), problems);
        spec.workingDir().ifPresent(w -> checkContainerPath(w, field(root, "workingDir"), problems));
        spec.user().ifPresent(u -> {
            if (!USER.matcher(u).matches()) {
                problems.add(new Problem(field(root, "user"), "'" + u
                        + "' is not a user: write name, uid, name:group or uid:gid"));
            }
        });
        checkResources(spec.resources(), field(root, "resources"), problems);
        if (spec.count() < 0 || spec.count() > MAX_COUNT) {
            problems.add(new Problem(field(root, "count"), "must be between 0 and " + MAX_COUNT + ", got " + spec.count()));
        }
        checkBackoff(spec.restartBackoff(), field(root, "restartBackoff"), problems);
        if (spec.stopTimeout().isNegative() || spec.stopTimeout().compareTo(MAX_STOP_TIMEOUT) > 0) {
            problems.add(new Problem(field(root, "stopTimeout"), "must be between 0s and "
                    + Durations.format(MAX_STOP_TIMEOUT) + ", got " + describe(spec.stopTimeout())));
        }
        checkVolumes(spec.volumes(), field(root, "volumes"), problems);
        checkConstraints(spec.constraints(), field(root, "constraints"), problems);
        checkLabels(spec.labels(), field(root, "labels"), problems);
        return List.copyOf(problems);
    }

    /** The reference grammar is the OCI model's ({@link ImageReference#parse}); its message names the broken rule. */
    private static void checkImage(String image, String path, List<Problem> problems) {
        if (image.isEmpty()) {
            problems.add(new Problem(path, "is required"));
            return;
        }
        try {
            ImageReference.parse(image);
        } catch (IllegalArgumentException e) {
            problems.add(new Problem(path, e.getMessage()));
        }
    }

    private static void checkText(String text, int maxLength, String path, List<Problem> problems) {
        if (text.length() > maxLength) {
            problems.add(new Problem(path, "is " + text.length() + " characters long; the limit is " + maxLength));
        }
        if (text.chars().anyMatch(Character::isISOControl)) {
            problems.add(new Problem(path, "must not contain control characters"));
        }
    }

    private static void checkArgs(List<String> args, String path, List<Problem> problems) {
        if (args.size() > MAX_ARGS) {
            problems.add(new Problem(path, "has " + args.size() + " elements; the limit is " + MAX_ARGS));
            return;
        }
        for (int i = 0; i < args.size(); i++) {
            checkExecString(args.get(i), element(path, i), problems);
        }
    }

    /** A string that ends up in execve(2): no NUL byte, at most MAX_ARG_STRLEN. */
    private static void checkExecString(String s, String path, List<Problem> problems) {
        if (s.indexOf('\0') >= 0) {
            problems.add(new Problem(path, "must not contain a NUL character"));
        }
        if (s.length() > MAX_ARG_BYTES) {
            problems.add(new Problem(path, "is longer than " + MAX_ARG_BYTES + " characters"));
        }
    }

    private static void checkEnv(Map<String, String> env, String path, List<Problem> problems) {
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            String p = field(path, e.getKey());
            if (e.getKey().length() > MAX_ENV_NAME_LENGTH || !ENV_NAME.matcher(e.getKey()).matches()) {
                problems.add(new Problem(p, "'" + e.getKey() + "' is not a valid environment variable name:"
                        + " use letters, digits and '_', not starting with a digit"));
            }
            checkExecString(e.getValue(), p, problems);
        }
    }

    /** An absolute, normalised path inside the container. */
    static boolean checkContainerPath(String p, String path, List<Problem> problems) {
        if (p.isEmpty()) {
            problems.add(new Problem(path, "is required"));
            return false;
        }
        if (!p.startsWith("/")) {
            problems.add(new Problem(path, "'" + p + "' must be an absolute path (starting with '/')"));
            return false;
        }
        if (p.indexOf('\0') >= 0) {
            problems.add(new Problem(path, "must not contain a NUL character"));
            return false;
        }
        for (String segment : p.split("/")) {
            if (segment.equals(".") || segment.equals("..")) {
                problems.add(new Problem(path, "'" + p + "' must not contain '.' or '..' segments"));
                return false;
            }
        }
        return true;
    }

    private static void checkResources(Resources r, String path, List<Problem> problems) {
        if (r.cpuMillis() <= 0 || r.cpuMillis() > Resources.MAX_CPU_MILLIS) {
            problems.add(new Problem(field(path, "cpuMillis"), "must be between 1 and " + Resources.MAX_CPU_MILLIS
                    + " millicores (1000 = one core), got " + r.cpuMillis()));
        }
        if (r.memoryBytes() < Resources.MIN_MEMORY_BYTES || r.memoryBytes() > Resources.MAX_MEMORY_BYTES) {
            problems.add(new Problem(field(path, "memoryBytes"), "must be between " + Resources.MIN_MEMORY_BYTES
                    + " (4 MiB) and " + Resources.MAX_MEMORY_BYTES + " (16 TiB) bytes, got " + r.memoryBytes()));
        }
        r.pids().ifPresent(pids -> {
            if (pids < 1 || pids > Resources.MAX_PIDS) {
                problems.add(new Problem(field(path, "pids"), "must be between 1 and " + Resources.MAX_PIDS
                        + ", got " + pids));
            }
        });
    }

    private static void checkBackoff(Backoff b, String path, List<Problem> problems) {
        String initial = field(path, "initial");
        String max = field(path, "max");
        boolean initialOk = true;
        if (b.initial().isNegative() || b.initial().isZero()) {
            problems.add(new Problem(initial, "must be positive, got " + describe(b.initial())));
            initialOk = false;
        }
        if (b.max().isNegative() || b.max().isZero() || b.max().compareTo(MAX_BACKOFF) > 0) {
            problems.add(new Problem(max, "must be positive and at most " + Durations.format(MAX_BACKOFF)
                    + ", got " + describe(b.max())));
        } else if (initialOk && b.initial().compareTo(b.max()) > 0) {
            problems.add(new Problem(initial, "(" + describe(b.initial()) + ") must not exceed max ("
                    + describe(b.max()) + ")"));
        }
    }

    private static void checkVolumes(List<Volume> volumes, String path, List<Problem> problems) {
        Map<String, Integer> targets = new HashMap<>();
        for (int i = 0; i < volumes.size(); i++) {
            Volume v = volumes.get(i);
            String p = element(path, i);
            String source = field(p, "source");
            switch (v.type()) {
                case BIND -> {
                    if (v.source().isEmpty()) {
                        problems.add(new Problem(source, "is required: the host path to bind"));
                    } else if (!v.source().startsWith("/")) {
                        problems.add(new Problem(source, "'" + v.source()
                                + "' must be an absolute host path for a bind volume"));
                    } else {
                        checkContainerPath(v.source(), source, problems);
                    }
                }
                case VOLUME -> {
                    if (v.source().isEmpty()) {
                        problems.add(new Problem(source, "is required: the name of the volume"));
                    } else if (!VOLUME_NAME.matcher(v.source()).matches()) {
                        problems.add(new Problem(source, "'" + v.source() + "' is not a volume name: use 1 to 64"
                                + " letters, digits, '_', '.' and '-', starting with a letter or digit"));
                    }
                }
            }
            String target = field(p, "target");
            if (checkContainerPath(v.target(), target, problems)) {
                String t = v.target().length() > 1 && v.target().endsWith("/")
                        ? v.target().substring(0, v.target().length() - 1) : v.target();
                if (t.equals("/")) {
                    problems.add(new Problem(target, "a volume cannot be mounted over the container's root"));
                } else if (t.equals("/proc") || t.startsWith("/proc/") || t.equals("/sys") || t.startsWith("/sys/")) {
                    problems.add(new Problem(target, "'" + t + "' is provided by the kernel; volumes cannot be"
                            + " mounted under /proc or /sys"));
                }
                Integer earlier = targets.putIfAbsent(t, i);
                if (earlier != null) {
                    problems.add(new Problem(target, "'" + t + "' is already the target of "
                            + element(path, earlier)));
                }
            }
        }
    }

    private static void checkConstraints(List<Constraint> constraints, String path, List<Problem> problems) {
        for (int i = 0; i < constraints.size(); i++) {
            Constraint c = constraints.get(i);
            String p = element(path, i);
            checkLabelKey(c.label(), field(p, "label"), problems);
            if (c.operator().takesSet()) {
                String values = field(p, "values");
                if (c.values().isEmpty()) {
                    problems.add(new Problem(values, "'" + c.operator().text() + "' needs at least one value"));
                }
                for (int j = 0; j < c.values().size(); j++) {
                    checkLabelValue(c.values().get(j), element(values, j), problems);
                }
            } else {
                String value = field(p, "value");
                if (c.values().size() != 1) {
                    problems.add(new Problem(value, "'" + c.operator().text() + "' needs exactly one value, got "
                            + c.values().size()));
                } else {
                    checkLabelValue(c.values().get(0), value, problems);
                }
            }
        }
    }

    private static void checkLabels(Map<String, String> labels, String path, List<Problem> problems) {
        for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
            String p = field(path, e.getKey());
            checkLabelKey(e.getKey(), p, problems);
            checkLabelValue(e.getValue(), p, problems);
        }
    }

    private static void checkLabelKey(String key, String path, List<Problem> problems) {
        if (key.isEmpty()) {
            problems.add(new Problem(path, "label name is required"));
        } else if (key.length() > MAX_LABEL_KEY_LENGTH || !LABEL_KEY.matcher(key).matches()) {
            problems.add(new Problem(path, "'" + key + "' is not a label name: use up to " + MAX_LABEL_KEY_LENGTH
                    + " letters, digits, '.', '_', '-' and '/', starting and ending with a letter or digit"));
        }
    }

    private static void checkLabelValue(String value, String path, List<Problem> problems) {
        checkText(value, MAX_LABEL_VALUE_LENGTH, path, problems);
    }

    private static String describe(Duration d) {
        return d.isNegative() ? d.toString() : Durations.format(d);
    }
}
