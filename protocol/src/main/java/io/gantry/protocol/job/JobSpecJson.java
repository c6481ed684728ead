package io.gantry.protocol.job;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

import static io.gantry.protocol.job.ProblemPath.element;
import static io.gantry.protocol.job.ProblemPath.field;

/**
 * The JSON form of a {@link JobSpec}, read strictly.
 *
 * <pre>{@code
 * {
 *   "id": "web",                          required; a DNS label (see JobValidator.JOB_ID)
 *   "name": "Web frontend",               display name; defaults to the id
 *   "image": "registry.local:5000/team/web:1.4",   required; an image reference
 *   "entrypoint": ["/bin/sh", "-c"],      replaces the image's Entrypoint (and drops its Cmd)
 *   "command": ["exec web --port 80"],    replaces the image's Cmd
 *   "args": ["--verbose"],                appended after the command (see JobSpec)
 *   "env": {"MODE": "prod"},
 *   "workingDir": "/srv",                 absolute
 *   "user": "1000:1000",                  name, uid, name:group or uid:gid
 *   "resources": {"cpuMillis": 500, "memoryBytes": 268435456, "pids": 512},
 *                                         per allocation; default 100 millicores, 256 MiB, no pid limit
 *   "count": 3,                           default 1; 0 keeps the job without running it
 *   "restart": "on-failure:3",            no | on-failure[:max] | always | unless-stopped; default on-failure
 *   "restartBackoff": {"initial": "1s", "max": "1m"},   the default
 *   "stopTimeout": "10s",                 grace between the stop signal and SIGKILL; default 10s
 *   "volumes": [{"type": "bind", "source": "/srv/data", "target": "/data", "readOnly": true},
 *               {"type": "volume", "source": "cache", "target": "/cache"}],
 *                                         type defaults to bind when source starts with '/', else volume
 *   "network": "host",                    host (default) | none
 *   "constraints": [{"label": "zone", "operator": "=", "value": "a"},
 *                   {"label": "disk", "operator": "in", "values": ["ssd", "nvme"]}],
 *                                         operators =, !=, in, not_in (Constraint)
 *   "distinctHosts": false,               at most one allocation of the job per node
 *   "placement": "binpack",               binpack (default) | spread
 *   "labels": {"team": "web"}
 * }
 * }</pre>
 * Durations are strings ({@link Durations}: {@code "500ms"}, {@code "1m30s"}); numbers are
 * refused for them so that no one has to guess the unit. An explicit {@code null} means the same
 * as an absent field.
 *
 * <p><b>Strict reading.</b> The document is parsed into a tree first; then each field is looked
 * up and type-checked here, so that an unknown field, a wrong type and an invalid value are all
 * reported in one answer, each with its JSON path. Malformed JSON (including a duplicate key or
 * trailing content) is one problem at {@code $} that gives the line and column. After the
 * structure, {@link JobValidator} checks the content; its findings under a part that was already
 * reported as malformed are dropped, so a user never reads two problems for one mistake.
 *
 * <p>JobSpec also carries Jackson annotations pointing here, so it is written in this same form
 * wherever Jackson meets it (REST answers, persisted events). Jackson <em>reading</em> checks
 * structure (unknown fields, types) but not content rules: a job accepted under older rules must
 * still load from the event journal. Requests go through {@link #parse}.
 */
public final class JobSpecJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static final List<String> JOB_FIELD_ORDER = List.of("id", "name", "image", "entrypoint", "command",
            "args", "env", "workingDir", "user", "resources", "count", "restart", "restartBackoff", "stopTimeout",
            "volumes", "network", "constraints", "distinctHosts", "placement", "labels");
    private static final List<String> RESOURCES_FIELDS = List.of("cpuMillis", "memoryBytes", "pids");
    private static final List<String> BACKOFF_FIELDS = List.of("initial", "max");
    private static final List<String> VOLUME_FIELDS = List.of("type", "source", "target", "readOnly");
    private static final List<String> CONSTRAINT_FIELDS = List.of("label", "operator", "value", "values");

    private JobSpecJson() {
    }

    /** The outcome of reading a job document: a spec, or every problem found. */
    public record Result(Optional<JobSpec> spec, List<Problem> problems) {
        public Result {
            problems = List.copyOf(problems);
            if (spec.isPresent() == !problems.isEmpty()) {
                throw new IllegalArgumentException("a result has either a spec or problems");
            }
        }

        public boolean ok() {
            return spec.isPresent();
        }

        public JobSpec orElseThrow() {
            return spec.orElseThrow(() -> new InvalidJobSpecException(problems));
        }
    }

    /** Reads and validates a job document (UTF-8 JSON). */
    public static Result parse(byte[] json) {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            return malformed(e);
        } catch (IOException e) {
            return new Result(Optional.empty(), List.of(new Problem(ProblemPath.ROOT, "unreadable body: " + e.getMessage())));
        }
        return read(tree);
    }

    public static Result parse(String json) {
        return parse(json.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads and validates a job document that is already a tree. */
    public static Result read(JsonNode tree) {
        return read(tree, true);
    }

    private static Result read(JsonNode tree, boolean validate) {
        Reader r = new Reader();
        JobSpec spec = r.job(tree);
        List<Problem> problems = new ArrayList<>(r.problems);
        if (spec != null && validate) {
            for (Problem p : JobValidator.validate(spec)) {
                if (!r.withinBroken(p.path()) && !problems.contains(p)) {
                    problems.add(p);
                }
            }
        }
        return problems.isEmpty() ? new Result(Optional.of(spec), List.of()) : new Result(Optional.empty(), problems);
    }

    private static Result malformed(JsonProcessingException e) {
        String where = e.getLocation() == null ? ""
                : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
        return new Result(Optional.empty(), List.of(new Problem(ProblemPath.ROOT,
                "malformed JSON" + where + ": " + e.getOriginalMessage())));
    }

    /** The document form of a spec, fields in the order of the class comment, maps sorted by key. */
    public static ObjectNode toJson(JobSpec spec) {
        ObjectNode o = NODES.objectNode();
        o.put("id", spec.id());
        o.put("name", spec.name());
        o.put("image", spec.image());
        spec.entrypoint().ifPresent(e -> o.set("entrypoint", strings(e)));
        spec.command().ifPresent(c -> o.set("command", strings(c)));
        o.set("args", strings(spec.args()));
        o.set("env", stringMap(spec.env()));
        spec.workingDir().ifPresent(w -> o.put("workingDir", w));
        spec.user().ifPresent(u -> o.put("user", u));
        ObjectNode resources = o.putObject("resources");
        resources.put("cpuMillis", spec.resources().cpuMillis());
        resources.put("memoryBytes", spec.resources().memoryBytes());
        spec.resources().pids().ifPresent(p -> resources.put("pids", p));
        o.put("count", spec.count());
        o.put("restart", spec.restart().format());
        ObjectNode backoff = o.putObject("restartBackoff");
        backoff.put("initial", Durations.format(spec.restartBackoff().initial()));
        backoff.put("max", Durations.format(spec.restartBackoff().max()));
        o.put("stopTimeout", Durations.format(spec.stopTimeout()));
        ArrayNode volumes = o.putArray("volumes");
        for (Volume v : spec.volumes()) {
            volumes.addObject()
                    .put("type", v.type().text())
                    .put("source", v.source())
                    .put("target", v.target())
                    .put("readOnly", v.readOnly());
        }
        o.put("network", spec.network().text());
        ArrayNode constraints = o.putArray("constraints");
        for (Constraint c : spec.constraints()) {
            ObjectNode n = constraints.addObject().put("label", c.label()).put("operator", c.operator().text());
            if (c.operator().takesSet() || c.values().size() != 1) {
                n.set("values", strings(c.values()));
            } else {
                n.put("value", c.values().get(0));
            }
        }
        o.put("distinctHosts", spec.distinctHosts());
        o.put("placement", spec.placement().text());
        o.set("labels", stringMap(spec.labels()));
        return o;
    }

    public static String toJsonString(JobSpec spec) {
        try {
            return MAPPER.writeValueAsString(toJson(spec));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("writing a JSON tree cannot fail", e);
        }
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode a = NODES.arrayNode();
        values.forEach(a::add);
        return a;
    }

    private static ObjectNode stringMap(Map<String, String> map) {
        ObjectNode o = NODES.objectNode();
        new TreeMap<>(map).forEach(o::put);
        return o;
    }

    /**
     * One pass over a document tree. A value of the wrong type is reported and replaced by a
     * placeholder (the default, or "" for a required string) so that the rest of the document is
     * still built and validated; its path is remembered as broken so the validator's opinion about
     * the placeholder is not reported too.
     */
    private static final class Reader {
        final List<Problem> problems = new ArrayList<>();
        final List<String> broken = new ArrayList<>();

        void fail(String path, String message) {
            problems.add(new Problem(path, message));
            broken.add(path);
        }

        boolean withinBroken(String path) {
            for (String b : broken) {
                if (ProblemPath.isWithin(path, b)) {
                    return true;
                }
            }
            return false;
        }

        JobSpec job(JsonNode tree) {
            String root = ProblemPath.ROOT;
            if (tree == null || tree.isMissingNode()) {
                fail(root, "the document is empty; expected a JSON object describing a job");
                return null;
            }
            ObjectNode o = object(tree, root, JOB_FIELD_ORDER);
            if (o == null) {
                return null;
            }
            JobSpec.Builder b = JobSpec.builder(string(o, "id", root, ""), string(o, "image", root, ""));
            b.name(string(o, "name", root, ""));
            optionalStrings(o, "entrypoint", root).ifPresent(b::entrypoint);
            optionalStrings(o, "command", root).ifPresent(b::command);
            optionalStrings(o, "args", root).ifPresent(b::args);
            b.env(stringMap(o, "env", root));
            Optional.ofNullable(string(o, "workingDir", root, null)).ifPresent(b::workingDir);
            Optional.ofNullable(string(o, "user", root, null)).ifPresent(b::user);
            b.resources(resources(member(o, "resources"), field(root, "resources")));
            Long count = integer(o, "count", root, JobSpec.DEFAULT_COUNT, Integer.MIN_VALUE, Integer.MAX_VALUE);
            b.count(count.intValue());
            b.restart(restart(o, root));
            b.restartBackoff(backoff(member(o, "restartBackoff"), field(root, "restartBackoff")));
            b.stopTimeout(duration(o, "stopTimeout", root, JobSpec.DEFAULT_STOP_TIMEOUT));
            b.volumes(list(o, "volumes", root, this::volume));
            String network = string(o, "network", root, JobSpec.DEFAULT_NETWORK.text());
            b.network(choice(network, NetworkMode.fromText(network), JobSpec.DEFAULT_NETWORK,
                    field(root, "network"), "host or none"));
            b.constraints(list(o, "constraints", root, this::constraint));
            b.distinctHosts(bool(o, "distinctHosts", root, false));
            String placement = string(o, "placement", root, JobSpec.DEFAULT_PLACEMENT.text());
            b.placement(choice(placement, PlacementStrategy.fromText(placement), JobSpec.DEFAULT_PLACEMENT,
                    field(root, "placement"), "binpack or spread"));
            b.labels(stringMap(o, "labels", root));
            return b.build();
        }

        private Resources resources(JsonNode n, String path) {
            if (n == null) {
                return Resources.DEFAULT;
            }
            ObjectNode o = object(n, path, RESOURCES_FIELDS);
            if (o == null) {
                return Resources.DEFAULT;
            }
            long cpu = integer(o, "cpuMillis", path, Resources.DEFAULT_CPU_MILLIS, Long.MIN_VALUE, Long.MAX_VALUE);
            long memory = integer(o, "memoryBytes", path, Resources.DEFAULT_MEMORY_BYTES, Long.MIN_VALUE, Long.MAX_VALUE);
            OptionalLong pids = member(o, "pids") == null ? OptionalLong.empty()
                    : OptionalLong.of(integer(o, "pids", path, 1, Long.MIN_VALUE, Long.MAX_VALUE));
            return new Resources(cpu, memory, pids);
        }

        private RestartPolicy restart(ObjectNode o, String root) {
            String text = string(o, "restart", root, null);
            if (text == null) {
                return JobSpec.DEFAULT_RESTART;
            }
            try {
                return RestartPolicy.parse(text);
            } catch (IllegalArgumentException e) {
                fail(field(root, "restart"), e.getMessage());
                return JobSpec.DEFAULT_RESTART;
            }
        }

        private Backoff backoff(JsonNode n, String path) {
            if (n == null) {
                return Backoff.DEFAULT;
            }
            ObjectNode o = object(n, path, BACKOFF_FIELDS);
            if (o == null) {
                return Backoff.DEFAULT;
            }
            return new Backoff(duration(o, "initial", path, Backoff.DEFAULT.initial()),
                    duration(o, "max", path, Backoff.DEFAULT.max()));
        }

        private Volume volume(JsonNode n, String path) {
            ObjectNode o = object(n, path, VOLUME_FIELDS);
            if (o == null) {
                return new Volume(Volume.Type.BIND, "", "", false);
            }
            String source = string(o, "source", path, "");
            String typeText = string(o, "type", path, null);
            Volume.Type type;
            if (typeText == null) {
                type = source.startsWith("/") ? Volume.Type.BIND : Volume.Type.VOLUME;
            } else {
                type = Volume.Type.fromText(typeText);
                if (type == null) {
                    fail(field(path, "type"), "'" + typeText + "' is not a volume type: use bind or volume");
                    broken.add(field(path, "source"));
                    type = Volume.Type.BIND;
                }
            }
            return new Volume(type, source, string(o, "target", path, ""), bool(o, "readOnly", path, false));
        }

        private Constraint constraint(JsonNode n, String path) {
            Constraint placeholder = new Constraint("", Constraint.Operator.EQUALS, List.of(""));
            ObjectNode o = object(n, path, CONSTRAINT_FIELDS);
            if (o == null) {
                return placeholder;
            }
            String label = string(o, "label", path, "");
            String opText = string(o, "operator", path, null);
            Constraint.Operator op;
            if (opText == null) {
                if (!withinBroken(field(path, "operator"))) {
                    fail(field(path, "operator"), "is required: one of =, !=, in, not_in");
                }
                op = null;
            } else {
                op = Constraint.Operator.fromText(opText);
                if (op == null) {
                    fail(field(path, "operator"), "'" + opText + "' is not a constraint operator: use =, !=, in or not_in");
                }
            }
            boolean hasValue = member(o, "value") != null;
            boolean hasValues = member(o, "values") != null;
            String value = string(o, "value", path, null);
            Optional<List<String>> values = optionalStrings(o, "values", path);
            if (op == null) {
                broken.add(path);
                return new Constraint(label, Constraint.Operator.EQUALS, List.of(""));
            }
            if (op.takesSet()) {
                if (hasValue) {
                    fail(field(path, "value"), "'" + op.text() + "' takes \"values\", an array of strings");
                    broken.add(path);
                }
                return new Constraint(label, op, values.orElse(List.of()));
            }
            if (hasValues) {
                fail(field(path, "values"), "'" + op.text() + "' takes one \"value\", a string");
                broken.add(path);
            }
            return new Constraint(label, op, hasValue && value != null ? List.of(value) : hasValue ? List.of("") : List.of());
        }

        // ---- generic typed access -------------------------------------------------------

        /** The object at {@code path}, with unknown members reported; null (reported) when not an object. */
        ObjectNode object(JsonNode n, String path, List<String> known) {
            if (!n.isObject()) {
                fail(path, "expected an object, got " + kind(n));
                return null;
            }
            Iterator<String> names = n.fieldNames();
            while (names.hasNext()) {
                String name = names.next();
                if (!known.contains(name)) {
                    fail(field(path, name), "unknown field '" + name + "'; the fields here are: " + String.join(", ", known));
                }
            }
            return (ObjectNode) n;
        }

        /** The member, or null when absent or JSON null. */
        static JsonNode member(ObjectNode o, String name) {
            JsonNode n = o.get(name);
            return n == null || n.isNull() ? null : n;
        }

        String string(ObjectNode o, String name, String parent, String absent) {
            JsonNode n = member(o, name);
            if (n == null) {
                return absent;
            }
            if (!n.isTextual()) {
                fail(field(parent, name), "expected a string, got " + kind(n));
                return absent;
            }
            return n.textValue();
        }

        Long integer(ObjectNode o, String name, String parent, long absent, long min, long max) {
            JsonNode n = member(o, name);
            String path = field(parent, name);
            if (n == null) {
                return absent;
            }
            if (!n.isNumber()) {
                fail(path, "expected an integer, got " + kind(n));
                return absent;
            }
            if (!n.isIntegralNumber()) {
                fail(path, "expected an integer, got " + n.asText());
                return absent;
            }
            if (!n.canConvertToLong() || n.longValue() < min || n.longValue() > max) {
                fail(path, n.asText() + " is out of range");
                return absent;
            }
            return n.longValue();
        }

        boolean bool(ObjectNode o, String name, String parent, boolean absent) {
            JsonNode n = member(o, name);
            if (n == null) {
                return absent;
            }
            if (!n.isBoolean()) {
                fail(field(parent, name), "expected true or false, got " + kind(n));
                return absent;
            }
            return n.booleanValue();
        }

        Duration duration(ObjectNode o, String name, String parent, Duration absent) {
            JsonNode n = member(o, name);
            String path = field(parent, name);
            if (n == null) {
                return absent;
            }
            if (!n.isTextual()) {
                fail(path, "expected a duration string such as \"10s\" or \"1m30s\", got " + kind(n));
                return absent;
            }
            try {
                return Durations.parse(n.textValue());
            } catch (IllegalArgumentException e) {
                fail(path, e.getMessage());
                return absent;
            }
        }

        Optional<List<String>> optionalStrings(ObjectNode o, String name, String parent) {
            JsonNode n = member(o, name);
            String path = field(parent, name);
            if (n == null) {
                return Optional.empty();
            }
            if (!n.isArray()) {
                fail(path, "expected an array of strings, got " + kind(n));
                return Optional.empty();
            }
            List<String> out = new ArrayList<>();
            for (int i = 0; i < n.size(); i++) {
                JsonNode e = n.get(i);
                if (e.isTextual()) {
                    out.add(e.textValue());
                } else {
                    fail(element(path, i), "expected a string, got " + kind(e));
                    out.add("");
                }
            }
            return Optional.of(out);
        }

        Map<String, String> stringMap(ObjectNode o, String name, String parent) {
            JsonNode n = member(o, name);
            String path = field(parent, name);
            Map<String, String> out = new LinkedHashMap<>();
            if (n == null) {
                return out;
            }
            if (!n.isObject()) {
                fail(path, "expected an object of strings, got " + kind(n));
                return out;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().isTextual()) {
                    out.put(e.getKey(), e.getValue().textValue());
                } else {
                    fail(field(path, e.getKey()), "expected a string, got " + kind(e.getValue()));
                }
            }
            return out;
        }

        <T> List<T> list(ObjectNode o, String name, String parent, ElementReader<T> reader) {
            JsonNode n = member(o, name);
            String path = field(parent, name);
            List<T> out = new ArrayList<>();
            if (n == null) {
                return out;
            }
            if (!n.isArray()) {
                fail(path, "expected an array, got " + kind(n));
                return out;
            }
            for (int i = 0; i < n.size(); i++) {
                out.add(reader.read(n.get(i), element(path, i)));
            }
            return out;
        }

        <E> E choice(String text, E value, E fallback, String path, String allowed) {
            if (value != null) {
                return value;
            }
            if (!withinBroken(path)) {
                fail(path, "'" + text + "' is not allowed here: use " + allowed);
            }
            return fallback;
        }

        static String kind(JsonNode n) {
            return switch (n.getNodeType()) {
                case STRING -> "a string";
                case NUMBER -> "a number";
                case BOOLEAN -> n.booleanValue() ? "true" : "false";
                case ARRAY -> "an array";
                case OBJECT -> "an object";
                case NULL -> "null";
                default -> n.getNodeType().name().toLowerCase();
            };
        }
    }

    @FunctionalInterface
    private interface ElementReader<T> {
        T read(JsonNode node, String path);
    }

    /** Writes a spec in the document form wherever Jackson meets one. */
    public static final class Serializer extends JsonSerializer<JobSpec> {
        @Override
        public void serialize(JobSpec spec, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            gen.writeTree(toJson(spec));
        }
    }

    /** Reads a spec wherever Jackson meets one: structure strictly, content rules not (see the class comment). */
    public static final class Deserializer extends JsonDeserializer<JobSpec> {
        @Override
        public JobSpec deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonNode tree = ctxt.readTree(p);
            Result result = read(tree, false);
            if (!result.ok()) {
                InvalidJobSpecException cause = new InvalidJobSpecException(result.problems());
                throw new JsonMappingException(p, cause.getMessage(), cause);
            }
            return result.spec().get();
        }
    }
}
