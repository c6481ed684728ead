package io.gantry.protocol.oci;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The execution parameters of an image: the {@code config} object of an image config, the
 * defaults a container of the image starts with unless the job overrides them. Field names are
 * the capitalised ones of the OCI spec and Docker ({@code Env}, {@code Cmd}...).
 *
 * <p>{@code ExposedPorts} and {@code Volumes} are JSON objects used as sets
 * ({@code {"/data": {}}}); here they are sorted lists of the keys, written back as such objects.
 * Docker-only fields Gantry does not use ({@code Hostname}, {@code AttachStdin}...) are kept in
 * {@link #unknownFields()}.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes", "WorkingDir", "Labels",
        "StopSignal", "ArgsEscaped", "Healthcheck", "OnBuild", "Shell"})
public record ContainerConfig(
        @JsonProperty("User") String user,
        @JsonProperty("ExposedPorts")
        @JsonSerialize(using = JsonSupport.ObjectSetSerializer.class)
        @JsonDeserialize(using = JsonSupport.ObjectSetDeserializer.class)
        List<String> exposedPorts,
        @JsonProperty("Env") List<String> env,
        @JsonProperty("Entrypoint") List<String> entrypoint,
        @JsonProperty("Cmd") List<String> cmd,
        @JsonProperty("Volumes")
        @JsonSerialize(using = JsonSupport.ObjectSetSerializer.class)
        @JsonDeserialize(using = JsonSupport.ObjectSetDeserializer.class)
        List<String> volumes,
        @JsonProperty("WorkingDir") String workingDir,
        @JsonProperty("Labels") Map<String, String> labels,
        @JsonProperty("StopSignal") String stopSignal,
        @JsonProperty("ArgsEscaped") Boolean argsEscaped,
        @JsonProperty("Healthcheck") Healthcheck healthcheck,
        @JsonProperty("OnBuild") List<String> onBuild,
        @JsonProperty("Shell") List<String> shell,
        @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> unknownFields) {

    public static final ContainerConfig EMPTY = builder().build();

    public ContainerConfig {
        user = Copies.text(user);
        exposedPorts = Copies.sortedSet("ExposedPorts", exposedPorts);
        env = Copies.list("Env", env);
        entrypoint = Copies.list("Entrypoint", entrypoint);
        cmd = Copies.list("Cmd", cmd);
        volumes = Copies.sortedSet("Volumes", volumes);
        workingDir = Copies.text(workingDir);
        labels = Copies.stringMap(labels);
        stopSignal = Copies.text(stopSignal);
        onBuild = Copies.list("OnBuild", onBuild);
        shell = Copies.list("Shell", shell);
        unknownFields = Copies.unknown(unknownFields);
    }

    /**
     * {@code Env} as a map, in order, a later entry overriding an earlier one as the process
     * would see it; an entry without {@code '='} maps to the empty string.
     */
    public Map<String, String> envMap() {
        Map<String, String> map = new LinkedHashMap<>();
        for (String entry : env) {
            int eq = entry.indexOf('=');
            if (eq < 0) {
                map.put(entry, "");
            } else {
                map.put(entry.substring(0, eq), entry.substring(eq + 1));
            }
        }
        return Collections.unmodifiableMap(map);
    }

    /** No field set at all (a config may omit {@code config}). */
    @JsonIgnore
    public boolean isEmpty() {
        return user == null && exposedPorts.isEmpty() && env.isEmpty() && entrypoint.isEmpty() && cmd.isEmpty()
                && volumes.isEmpty() && workingDir == null && labels.isEmpty() && stopSignal == null
                && argsEscaped == null && healthcheck == null && onBuild.isEmpty() && shell.isEmpty()
                && unknownFields.isEmpty();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.user = user;
        b.exposedPorts = exposedPorts;
        b.env = env;
        b.entrypoint = entrypoint;
        b.cmd = cmd;
        b.volumes = volumes;
        b.workingDir = workingDir;
        b.labels = labels;
        b.stopSignal = stopSignal;
        b.argsEscaped = argsEscaped;
        b.healthcheck = healthcheck;
        b.onBuild = onBuild;
        b.shell = shell;
        b.unknownFields = unknownFields;
        return b;
    }

    /** For building configs in code (image import, tests): fifteen positional arguments invite mistakes. */
    public static final class Builder {
        private String user;
        private List<String> exposedPorts = List.of();
        private List<String> env = List.of();
        private List<String> entrypoint = List.of();
        private List<String> cmd = List.of();
        private List<String> volumes = List.of();
        private String workingDir;
        private Map<String, String> labels = Map.of();
        private String stopSignal;
        private Boolean argsEscaped;
        private Healthcheck healthcheck;
        private List<String> onBuild = List.of();
        private List<String> shell = List.of();
        private Map<String, JsonNode> unknownFields = Map.of();

        private Builder() {
        }

        public Builder user(String v) {
            user = v;
            return this;
        }

        public Builder exposedPorts(List<String> v) {
            exposedPorts = v;
            return this;
        }

        public Builder env(List<String> v) {
            env = v;
            return this;
        }

        public Builder entrypoint(List<String> v) {
            entrypoint = v;
            return this;
        }

        public Builder cmd(List<String> v) {
            cmd = v;
            return this;
        }

        public Builder volumes(List<String> v) {
            volumes = v;
            return this;
        }

        public Builder workingDir(String v) {
            workingDir = v;
            return this;
        }

        public Builder labels(Map<String, String> v) {
            labels = v;
            return this;
        }

        public Builder stopSignal(String v) {
            stopSignal = v;
            return this;
        }

        public Builder argsEscaped(Boolean v) {
            argsEscaped = v;
            return this;
        }

        public Builder healthcheck(Healthcheck v) {
            healthcheck = v;
            return this;
        }

        public Builder onBuild(List<String> v) {
            onBuild = v;
            return this;
        }

        public Builder shell(List<String> v) {
            shell = v;
            return this;
        }

        public ContainerConfig build() {
            return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels,
                    stopSignal, argsEscaped, healthcheck, onBuild, shell, unknownFields);
        }
    }

    /**
     * Docker's HEALTHCHECK. Durations are Go {@code time.Duration} values: integer nanoseconds;
     * absent ones inherit the engine's defaults.
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonPropertyOrder({"Test", "Interval", "Timeout", "StartPeriod", "StartInterval", "Retries"})
    public record Healthcheck(
            @JsonProperty("Test") List<String> test,
            @JsonProperty("Interval") Long interval,
            @JsonProperty("Timeout") Long timeout,
            @JsonProperty("StartPeriod") Long startPeriod,
            @JsonProperty("StartInterval") Long startInterval,
            @JsonProperty("Retries") Integer retries) {

        public Healthcheck {
            test = Copies.list("Healthcheck.Test", test);
        }
    }
}
