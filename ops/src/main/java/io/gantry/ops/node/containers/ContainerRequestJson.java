package io.gantry.ops.node.containers;

import com.fasterxml.jackson.databind.JsonNode;
import io.gantry.agent.container.ContainerRequest;
import io.gantry.agent.container.InvalidContainerRequestException;
import io.gantry.protocol.job.NetworkMode;
import io.gantry.protocol.job.RestartPolicy;
import io.gantry.protocol.job.Volume;
import io.gantry.scheduler.api.Problem;
import io.gantry.scheduler.api.ProblemException;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the body of {@code POST /v1/containers} into a {@link ContainerRequest}, strictly: an
 * unknown field, a wrong type or a bad value is a problem at its JSON path, and every problem of
 * the body (the request's own checks included) comes back in one 400.
 *
 * <pre>
 * {"image": "busybox", "name": "web", "cmd": ["sh", "-c", "..."], "entrypoint": ["..."],
 *  "env": {"K": "V"} or ["K=V"], "volumes": ["/host:/in[:ro]", "name:/in", {"source", "target", "readOnly", "type"}],
 *  "restart": "on-failure:3", "memory": 67108864 or "64m", "cpus": 0.5, "pids": 100,
 *  "network": "host" | "none", "user": "1000:1000", "workdir": "/app", "autoRemove": true, "stopTimeout": 10}
 * </pre>
 */
final class ContainerRequestJson {

    static final Set<String> FIELDS = Set.of("image", "name", "cmd", "entrypoint", "env", "volumes", "restart", "memory",
            "cpus", "pids", "network", "user", "workdir", "autoRemove", "stopTimeout");

    private static final Pattern SIZE = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*([a-zA-Z]*)");

    private ContainerRequestJson() {
    }

    static ContainerRequest parse(JsonNode body) {
        List<Problem.FieldError> errors = new ArrayList<>();
        if (body == null || !body.isObject()) {
            throw invalid(List.of(new Problem.FieldError("$", "the body must be a JSON object")));
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                errors.add(new Problem.FieldError("$." + f, "unknown field; known fields are " + new java.util.TreeSet<>(FIELDS)));
            }
        }
        String image = text(body, "image", errors);
        ContainerRequest.Builder b = ContainerRequest.builder(image == null ? "" : image);
        if (image == null && !body.has("image")) {
            errors.add(new Problem.FieldError("$.image", "is required"));
        }
        String name = text(body, "name", errors);
        if (name != null) {
            b.name(name);
        }
        List<String> cmd = strings(body, "cmd", errors);
        if (cmd != null) {
            b.cmd(cmd);
        }
        List<String> entrypoint = strings(body, "entrypoint", errors);
        if (entrypoint != null) {
            b.entrypoint(entrypoint);
        }
        env(body.get("env"), b, errors);
        volumes(body.get("volumes"), b, errors);
        String restart = text(body, "restart", errors);
        if (restart != null) {
            try {
                b.restart(RestartPolicy.parse(restart));
            } catch (IllegalArgumentException e) {
                errors.add(new Problem.FieldError("$.restart", e.getMessage()));
            }
        }
        JsonNode memory = body.get("memory");
        if (memory != null && !memory.isNull()) {
            try {
                b.memoryBytes(memory.isIntegralNumber() ? memory.asLong() : parseSize(memory.isTextual() ? memory.asText() : null));
            } catch (IllegalArgumentException e) {
                errors.add(new Problem.FieldError("$.memory", e.getMessage()));
            }
        }
        JsonNode cpus = body.get("cpus");
        if (cpus != null && !cpus.isNull()) {
            try {
                b.cpuMillis(parseCpus(cpus.isNumber() ? cpus.decimalValue().toPlainString() : cpus.isTextual() ? cpus.asText() : null));
            } catch (IllegalArgumentException e) {
                errors.add(new Problem.FieldError("$.cpus", e.getMessage()));
            }
        }
        JsonNode pids = body.get("pids");
        if (pids != null && !pids.isNull()) {
            if (!pids.canConvertToLong() || !pids.isIntegralNumber()) {
                errors.add(new Problem.FieldError("$.pids", "must be a whole number"));
            } else {
                b.pids(pids.asLong());
            }
        }
        String network = text(body, "network", errors);
        if (network != null) {
            NetworkMode mode = NetworkMode.fromText(network);
            if (mode == null) {
                errors.add(new Problem.FieldError("$.network", "must be host or none, got '" + network + "'"));
            } else {
                b.network(mode);
            }
        }
        String user = text(body, "user", errors);
        if (user != null) {
            b.user(user);
        }
        String workdir = text(body, "workdir", errors);
        if (workdir != null) {
            b.workdir(workdir);
        }
        JsonNode autoRemove = body.get("autoRemove");
        if (autoRemove != null && !autoRemove.isNull()) {
            if (!autoRemove.isBoolean()) {
                errors.add(new Problem.FieldError("$.autoRemove", "must be true or false"));
            } else {
                b.autoRemove(autoRemove.asBoolean());
            }
        }
        JsonNode stop = body.get("stopTimeout");
        if (stop != null && !stop.isNull()) {
            if (!stop.isIntegralNumber() || stop.asLong() < 0 || stop.asLong() > 86_400) {
                errors.add(new Problem.FieldError("$.stopTimeout", "must be whole seconds from 0 to 86400"));
            } else {
                b.stopTimeout(Duration.ofSeconds(stop.asLong()));
            }
        }
        ContainerRequest request = b.build();
        if (image != null) {
            // the request's own checks, on what could be read
            for (InvalidContainerRequestException.FieldProblem p : request.problems()) {
                String path = "$." + p.field();
                if (errors.stream().noneMatch(e -> e.path().equals(path))) {
                    errors.add(new Problem.FieldError(path, p.message()));
                }
            }
        }
        if (!errors.isEmpty()) {
            throw invalid(errors);
        }
        return request;
    }

    private static ProblemException invalid(List<Problem.FieldError> errors) {
        return new ProblemException(Problem.validation("the container request has " + errors.size() + " problem(s)", errors));
    }

    private static String text(JsonNode body, String field, List<Problem.FieldError> errors) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual() || v.asText().isEmpty()) {
            errors.add(new Problem.FieldError("$." + field, "must be a non-empty string"));
            return null;
        }
        return v.asText();
    }

    private static List<String> strings(JsonNode body, String field, List<Problem.FieldError> errors) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isArray()) {
            errors.add(new Problem.FieldError("$." + field, "must be an array of strings"));
            return null;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isTextual()) {
                errors.add(new Problem.FieldError("$." + field + "[" + i + "]", "must be a string"));
                return null;
            }
            out.add(v.get(i).asText());
        }
        return out;
    }

    private static void env(JsonNode env, ContainerRequest.Builder b, List<Problem.FieldError> errors) {
        if (env == null || env.isNull()) {
            return;
        }
        if (env.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = env.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    errors.add(new Problem.FieldError("$.env." + e.getKey(), "must be a string"));
                } else {
                    b.env(e.getKey(), e.getValue().asText());
                }
            }
        } else if (env.isArray()) {
            for (int i = 0; i < env.size(); i++) {
                JsonNode item = env.get(i);
                int eq = item.isTextual() ? item.asText().indexOf('=') : -1;
                if (eq <= 0) {
                    errors.add(new Problem.FieldError("$.env[" + i + "]", "must be a string NAME=VALUE"));
                } else {
                    b.env(item.asText().substring(0, eq), item.asText().substring(eq + 1));
                }
            }
        } else {
            errors.add(new Problem.FieldError("$.env", "must be an object of strings or an array of NAME=VALUE strings"));
        }
    }

    private static void volumes(JsonNode volumes, ContainerRequest.Builder b, List<Problem.FieldError> errors) {
        if (volumes == null || volumes.isNull()) {
            return;
        }
        if (!volumes.isArray()) {
            errors.add(new Problem.FieldError("$.volumes", "must be an array"));
            return;
        }
        for (int i = 0; i < volumes.size(); i++) {
            JsonNode v = volumes.get(i);
            String path = "$.volumes[" + i + "]";
            try {
                if (v.isTextual()) {
                    b.volume(parseVolume(v.asText()));
                } else if (v.isObject()) {
                    String source = v.path("source").asText("");
                    String target = v.path("target").asText("");
                    if (source.isEmpty() || target.isEmpty()) {
                        throw new IllegalArgumentException("needs a source and a target");
                    }
                    Volume.Type type = v.has("type") ? Volume.Type.fromText(v.path("type").asText())
                            : source.startsWith("/") ? Volume.Type.BIND : Volume.Type.VOLUME;
                    if (type == null) {
                        throw new IllegalArgumentException("type must be bind or volume");
                    }
                    JsonNode ro = v.get("readOnly");
                    if (ro != null && !ro.isBoolean()) {
                        throw new IllegalArgumentException("readOnly must be true or false");
                    }
                    b.volume(new Volume(type, source, target, ro != null && ro.asBoolean()));
                } else {
                    throw new IllegalArgumentException("must be \"SOURCE:TARGET[:ro]\" or an object");
                }
            } catch (IllegalArgumentException e) {
                errors.add(new Problem.FieldError(path, e.getMessage()));
            }
        }
    }

    /** {@code SOURCE:TARGET[:ro|rw]}: an absolute source is a host path, anything else a named volume. */
    static Volume parseVolume(String spec) {
        String[] parts = spec.split(":", -1);
        if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new IllegalArgumentException("'" + spec + "' is not SOURCE:TARGET[:ro]");
        }
        boolean readOnly = false;
        if (parts.length == 3) {
            if (parts[2].equals("ro")) {
                readOnly = true;
            } else if (!parts[2].equals("rw")) {
                throw new IllegalArgumentException("'" + spec + "': the mode must be ro or rw, got '" + parts[2] + "'");
            }
        }
        return parts[0].startsWith("/") ? Volume.bind(parts[0], parts[1], readOnly) : Volume.named(parts[0], parts[1], readOnly);
    }

    /** Docker's memory sizes: a number of bytes with an optional unit b, k, m, g (powers of 1024). */
    static long parseSize(String text) {
        if (text == null) {
            throw new IllegalArgumentException("must be a number of bytes or a size such as \"64m\"");
        }
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size such as 64m, 1g or 512k");
        }
        long unit = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "", "b" -> 1L;
            case "k", "kb", "kib" -> 1L << 10;
            case "m", "mb", "mib" -> 1L << 20;
            case "g", "gb", "gib" -> 1L << 30;
            case "t", "tb", "tib" -> 1L << 40;
            default -> throw new IllegalArgumentException("'" + text + "': unknown unit '" + m.group(2) + "' (b, k, m, g)");
        };
        BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit));
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
        return bytes.longValue();
    }

    /** {@code 0.5} cpus → 500 millicores. */
    static long parseCpus(String text) {
        if (text == null) {
            throw new IllegalArgumentException("must be a number of cpus such as 0.5");
        }
        try {
            BigDecimal cpus = new BigDecimal(text.trim());
            if (cpus.signum() <= 0) {
                throw new IllegalArgumentException("must be more than 0, got " + text);
            }
            long millis = cpus.multiply(BigDecimal.valueOf(1000)).setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
            if (millis < 1) {
                throw new IllegalArgumentException("must be at least 0.001, got " + text);
            }
            return millis;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is not a number of cpus such as 0.5");
        }
    }
}
