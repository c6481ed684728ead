package io.gantry.agent.container;

import io.gantry.agent.runtime.ContainerIds;
import io.gantry.protocol.job.Backoff;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.job.NetworkMode;
import io.gantry.protocol.job.Resources;
import io.gantry.protocol.job.RestartPolicy;
import io.gantry.protocol.job.Volume;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.InvalidReferenceException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * A container to create and start on this node, in {@code docker run}'s terms: image, name,
 * command overrides, environment, volumes, restart policy, limits, network, user, working
 * directory, and whether to remove it once it has exited. The node turns it into a
 * {@link JobSpec} of one instance, so a local container and an allocation placed by the
 * scheduler run through the same supervisor and bundle writer.
 *
 * @param cpuMillis   0 for no cpu limit; 500 for {@code --cpus 0.5}
 * @param memoryBytes 0 for no memory limit
 * @param stopTimeout the grace period between the stop signal and SIGKILL; empty for the node's default
 */
public record ContainerRequest(
        String image,
        Optional<String> name,
        Optional<List<String>> entrypoint,
        Optional<List<String>> cmd,
        Map<String, String> env,
        List<Volume> volumes,
        RestartPolicy restart,
        long cpuMillis,
        long memoryBytes,
        OptionalLong pids,
        NetworkMode network,
        Optional<String> user,
        Optional<String> workdir,
        boolean autoRemove,
        Optional<Duration> stopTimeout) {

    /** Names as Docker accepts them; also safe as a path segment. */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}");

    public ContainerRequest {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(name, "name");
        entrypoint = entrypoint.map(List::copyOf);
        cmd = cmd.map(List::copyOf);
        env = Map.copyOf(env);
        volumes = List.copyOf(volumes);
        Objects.requireNonNull(restart, "restart");
        Objects.requireNonNull(pids, "pids");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(workdir, "workdir");
        Objects.requireNonNull(stopTimeout, "stopTimeout");
    }

    /** A request for {@code image} with Docker's defaults (no limits, restart no) and the host network, as jobs have. */
    public static Builder builder(String image) {
        return new Builder(image);
    }

    /** Every problem of the request, each naming its field; empty when it can be run. */
    public List<InvalidContainerRequestException.FieldProblem> problems() {
        List<InvalidContainerRequestException.FieldProblem> out = new ArrayList<>();
        if (image.isBlank()) {
            out.add(problem("image", "is required"));
        } else {
            try {
                ImageReference.parse(image);
            } catch (InvalidReferenceException e) {
                out.add(problem("image", e.getMessage()));
            }
        }
        name.ifPresent(n -> {
            if (!NAME.matcher(n).matches()) {
                out.add(problem("name", "'" + n + "' is not a valid container name: 1-128 of [a-zA-Z0-9_.-], starting with a letter or digit"));
            }
        });
        entrypoint.ifPresent(e -> {
            if (e.stream().anyMatch(Objects::isNull)) {
                out.add(problem("entrypoint", "must not contain null"));
            }
        });
        cmd.ifPresent(c -> {
            if (c.stream().anyMatch(Objects::isNull)) {
                out.add(problem("cmd", "must not contain null"));
            }
        });
        env.forEach((k, v) -> {
            if (k.isEmpty() || k.contains("=") || k.indexOf('\0') >= 0) {
                out.add(problem("env", "bad variable name '" + k + "'"));
            }
        });
        for (int i = 0; i < volumes.size(); i++) {
            Volume v = volumes.get(i);
            String f = "volumes[" + i + "]";
            if (!v.target().startsWith("/")) {
                out.add(problem(f, "target '" + v.target() + "' is not an absolute path in the container"));
            } else if (List.of(v.target().split("/")).contains("..")) {
                out.add(problem(f, "target '" + v.target() + "' contains '..'"));
            }
            if (v.type() == Volume.Type.BIND && !v.source().startsWith("/")) {
                out.add(problem(f, "bind source '" + v.source() + "' is not an absolute host path"));
            }
            if (v.type() == Volume.Type.VOLUME && !NAME.matcher(v.source()).matches()) {
                out.add(problem(f, "volume name '" + v.source() + "': letters, digits, '_', '.', '-' only"));
            }
        }
        if (autoRemove && restart.kind() != RestartPolicy.Kind.NO) {
            out.add(problem("autoRemove", "conflicts with restart policy " + restart
                    + ": a container that is removed when it exits cannot be restarted"));
        }
        if (cpuMillis < 0 || cpuMillis > Resources.MAX_CPU_MILLIS) {
            out.add(problem("cpus", "must be between 0 and " + Resources.MAX_CPU_MILLIS / 1000 + " cpus"));
        }
        if (memoryBytes != 0 && (memoryBytes < Resources.MIN_MEMORY_BYTES || memoryBytes > Resources.MAX_MEMORY_BYTES)) {
            out.add(problem("memory", "must be at least " + Resources.MIN_MEMORY_BYTES / Resources.MIB
                    + " MiB (or 0 for no limit), got " + memoryBytes + " bytes"));
        }
        if (pids.isPresent() && (pids.getAsLong() < 1 || pids.getAsLong() > Resources.MAX_PIDS)) {
            out.add(problem("pids", "must be between 1 and " + Resources.MAX_PIDS));
        }
        workdir.ifPresent(w -> {
            if (!w.startsWith("/")) {
                out.add(problem("workdir", "'" + w + "' is not an absolute path"));
            }
        });
        user.ifPresent(u -> {
            if (u.isBlank()) {
                out.add(problem("user", "must not be empty"));
            }
        });
        stopTimeout.ifPresent(t -> {
            if (t.isNegative()) {
                out.add(problem("stopTimeout", "must not be negative"));
            }
        });
        return out;
    }

    /** Throws {@link InvalidContainerRequestException} listing every problem, if any. */
    public ContainerRequest validated() {
        List<InvalidContainerRequestException.FieldProblem> p = problems();
        if (!p.isEmpty()) {
            throw new InvalidContainerRequestException(p);
        }
        return this;
    }

    /** The one-instance job this container runs as. */
    public JobSpec toJobSpec(String containerId, Backoff backoff, Duration defaultStopTimeout) {
        ContainerIds.validate(containerId);
        JobSpec.Builder b = JobSpec.builder(containerId, image)
                .name(name.orElse(containerId))
                .env(new LinkedHashMap<>(env))
                .volumes(volumes)
                .restart(restart)
                .restartBackoff(backoff)
                .stopTimeout(stopTimeout.orElse(defaultStopTimeout))
                .network(network)
                .resources(new Resources(cpuMillis, memoryBytes, pids));
        entrypoint.ifPresent(b::entrypoint);
        cmd.ifPresent(b::command);
        user.ifPresent(b::user);
        workdir.ifPresent(b::workingDir);
        return b.build();
    }

    private static InvalidContainerRequestException.FieldProblem problem(String field, String message) {
        return new InvalidContainerRequestException.FieldProblem(field, message);
    }

    public static final class Builder {
        private final String image;
        private Optional<String> name = Optional.empty();
        private Optional<List<String>> entrypoint = Optional.empty();
        private Optional<List<String>> cmd = Optional.empty();
        private final Map<String, String> env = new LinkedHashMap<>();
        private final List<Volume> volumes = new ArrayList<>();
        private RestartPolicy restart = RestartPolicy.NO;
        private long cpuMillis;
        private long memoryBytes;
        private OptionalLong pids = OptionalLong.empty();
        private NetworkMode network = NetworkMode.HOST;
        private Optional<String> user = Optional.empty();
        private Optional<String> workdir = Optional.empty();
        private boolean autoRemove;
        private Optional<Duration> stopTimeout = Optional.empty();

        private Builder(String image) {
            this.image = image;
        }

        public Builder name(String name) {
            this.name = Optional.of(name);
            return this;
        }

        public Builder entrypoint(List<String> entrypoint) {
            this.entrypoint = Optional.of(entrypoint);
            return this;
        }

        public Builder cmd(List<String> cmd) {
            this.cmd = Optional.of(cmd);
            return this;
        }

        public Builder cmd(String... cmd) {
            return cmd(List.of(cmd));
        }

        public Builder env(String key, String value) {
            env.put(key, value);
            return this;
        }

        public Builder volume(Volume volume) {
            volumes.add(volume);
            return this;
        }

        public Builder restart(RestartPolicy restart) {
            this.restart = restart;
            return this;
        }

        public Builder cpuMillis(long cpuMillis) {
            this.cpuMillis = cpuMillis;
            return this;
        }

        public Builder memoryBytes(long memoryBytes) {
            this.memoryBytes = memoryBytes;
            return this;
        }

        public Builder pids(long pids) {
            this.pids = OptionalLong.of(pids);
            return this;
        }

        public Builder network(NetworkMode network) {
            this.network = network;
            return this;
        }

        public Builder user(String user) {
            this.user = Optional.of(user);
            return this;
        }

        public Builder workdir(String workdir) {
            this.workdir = Optional.of(workdir);
            return this;
        }

        public Builder autoRemove(boolean autoRemove) {
            this.autoRemove = autoRemove;
            return this;
        }

        public Builder stopTimeout(Duration stopTimeout) {
            this.stopTimeout = Optional.of(stopTimeout);
            return this;
        }

        public ContainerRequest build() {
            return new ContainerRequest(image, name, entrypoint, cmd, env, volumes, restart, cpuMillis, memoryBytes,
                    pids, network, user, workdir, autoRemove, stopTimeout);
        }
    }
}
