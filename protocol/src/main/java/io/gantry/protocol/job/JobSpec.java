package io.gantry.protocol.job;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a user submits: one container image to run {@code count} times, with its overrides,
 * resources, restart policy, storage, network and placement rules. The JSON form, field by field,
 * is described in {@link JobSpecJson}; {@link #validate()} lists every problem with its JSON path.
 *
 * <p>The record holds no nulls (absent optional parts are {@link Optional#empty()} or empty
 * collections) but does not check content: a spec read from a request is built first and then
 * validated as a whole, so that a user sees all problems at once. Collections are immutable
 * copies ({@code List.copyOf}, {@code Map.copyOf}), which also keeps the spec serialisable with
 * Kryo inside {@code RunAllocation}.
 *
 * <h2>Command line, with Docker's semantics</h2>
 * The process a container runs is {@code entrypoint + command + args} where
 * <ul>
 *   <li>{@code entrypoint}, when present (even empty), replaces the image's {@code Entrypoint}
 *       and, as with {@code docker run --entrypoint}, also drops the image's {@code Cmd};</li>
 *   <li>{@code command}, when present, replaces the image's {@code Cmd};</li>
 *   <li>{@code args} are appended after whichever command applies; they never replace anything
 *       (Nomad's docker driver works the same way), so a job can add flags to the image's
 *       default command without repeating it.</li>
 * </ul>
 * {@link #processArgs(List, List)} computes exactly that.
 */
@JsonSerialize(using = JobSpecJson.Serializer.class)
@JsonDeserialize(using = JobSpecJson.Deserializer.class)
public record JobSpec(
        String id,
        String name,
        String image,
        Optional<List<String>> entrypoint,
        Optional<List<String>> command,
        List<String> args,
        Map<String, String> env,
        Optional<String> workingDir,
        Optional<String> user,
        Resources resources,
        int count,
        RestartPolicy restart,
        Backoff restartBackoff,
        Duration stopTimeout,
        List<Volume> volumes,
        NetworkMode network,
        List<Constraint> constraints,
        boolean distinctHosts,
        PlacementStrategy placement,
        Map<String, String> labels) {

    public static final int DEFAULT_COUNT = 1;
    public static final RestartPolicy DEFAULT_RESTART = RestartPolicy.onFailure();
    /** Docker's default grace period between the stop signal and SIGKILL. */
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(10);
    /**
     * {@code host}: the only mode in which a container can serve or reach anything, which is what
     * a Docker user running a service expects; {@code none} is one field away.
     */
    public static final NetworkMode DEFAULT_NETWORK = NetworkMode.HOST;
    public static final PlacementStrategy DEFAULT_PLACEMENT = PlacementStrategy.BINPACK;

    public JobSpec {
        Objects.requireNonNull(id, "id");
        name = name == null || name.isEmpty() ? id : name;
        Objects.requireNonNull(image, "image");
        entrypoint = entrypoint.map(List::copyOf);
        command = command.map(List::copyOf);
        args = List.copyOf(args);
        env = Map.copyOf(env);
        Objects.requireNonNull(workingDir, "workingDir");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(resources, "resources");
        Objects.requireNonNull(restart, "restart");
        Objects.requireNonNull(restartBackoff, "restartBackoff");
        Objects.requireNonNull(stopTimeout, "stopTimeout");
        volumes = List.copyOf(volumes);
        Objects.requireNonNull(network, "network");
        constraints = List.copyOf(constraints);
        Objects.requireNonNull(placement, "placement");
        labels = Map.copyOf(labels);
    }

    /** Every problem of this spec, each with its JSON path; empty when the spec is valid. */
    public List<Problem> validate() {
        return JobValidator.validate(this);
    }

    /**
     * The argv of the container's process given the image config's {@code Entrypoint} and
     * {@code Cmd} (either may be empty), following the rules in the class comment.
     */
    public List<String> processArgs(List<String> imageEntrypoint, List<String> imageCmd) {
        List<String> argv = new ArrayList<>(entrypoint.orElse(imageEntrypoint));
        if (command.isPresent()) {
            argv.addAll(command.get());
        } else if (entrypoint.isEmpty()) {
            argv.addAll(imageCmd);
        }
        argv.addAll(args);
        return List.copyOf(argv);
    }

    public static Builder builder(String id, String image) {
        return new Builder(id, image);
    }

    public Builder toBuilder() {
        Builder b = new Builder(id, image);
        b.name = name;
        b.entrypoint = entrypoint;
        b.command = command;
        b.args = new ArrayList<>(args);
        b.env = new LinkedHashMap<>(env);
        b.workingDir = workingDir;
        b.user = user;
        b.resources = resources;
        b.count = count;
        b.restart = restart;
        b.restartBackoff = restartBackoff;
        b.stopTimeout = stopTimeout;
        b.volumes = new ArrayList<>(volumes);
        b.network = network;
        b.constraints = new ArrayList<>(constraints);
        b.distinctHosts = distinctHosts;
        b.placement = placement;
        b.labels = new LinkedHashMap<>(labels);
        return b;
    }

    /** Fills in the same defaults as an absent JSON field. */
    public static final class Builder {
        private String id;
        private String name = "";
        private String image;
        private Optional<List<String>> entrypoint = Optional.empty();
        private Optional<List<String>> command = Optional.empty();
        private List<String> args = new ArrayList<>();
        private Map<String, String> env = new LinkedHashMap<>();
        private Optional<String> workingDir = Optional.empty();
        private Optional<String> user = Optional.empty();
        private Resources resources = Resources.DEFAULT;
        private int count = DEFAULT_COUNT;
        private RestartPolicy restart = DEFAULT_RESTART;
        private Backoff restartBackoff = Backoff.DEFAULT;
        private Duration stopTimeout = DEFAULT_STOP_TIMEOUT;
        private List<Volume> volumes = new ArrayList<>();
        private NetworkMode network = DEFAULT_NETWORK;
        private List<Constraint> constraints = new ArrayList<>();
        private boolean distinctHosts;
        private PlacementStrategy placement = DEFAULT_PLACEMENT;
        private Map<String, String> labels = new LinkedHashMap<>();

        private Builder(String id, String image) {
            this.id = id;
            this.image = image;
        }

        public Builder id(String id) {
            this.id = id;
            return this;
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder image(String image) {
            this.image = image;
            return this;
        }

        public Builder entrypoint(List<String> entrypoint) {
            this.entrypoint = Optional.of(entrypoint);
            return this;
        }

        public Builder command(List<String> command) {
            this.command = Optional.of(command);
            return this;
        }

        public Builder args(List<String> args) {
            this.args = new ArrayList<>(args);
            return this;
        }

        public Builder env(String name, String value) {
            this.env.put(name, value);
            return this;
        }

        public Builder env(Map<String, String> env) {
            this.env = new LinkedHashMap<>(env);
            return this;
        }

        public Builder workingDir(String workingDir) {
            this.workingDir = Optional.of(workingDir);
            return this;
        }

        public Builder user(String user) {
            this.user = Optional.of(user);
            return this;
        }

        public Builder resources(Resources resources) {
            this.resources = resources;
            return this;
        }

        public Builder resources(long cpuMillis, long memoryBytes) {
            this.resources = new Resources(cpuMillis, memoryBytes);
            return this;
        }

        public Builder count(int count) {
            this.count = count;
            return this;
        }

        public Builder restart(RestartPolicy restart) {
            this.restart = restart;
            return this;
        }

        public Builder restartBackoff(Backoff restartBackoff) {
            this.restartBackoff = restartBackoff;
            return this;
        }

        public Builder stopTimeout(Duration stopTimeout) {
            this.stopTimeout = stopTimeout;
            return this;
        }

        public Builder volume(Volume volume) {
            this.volumes.add(volume);
            return this;
        }

        public Builder volumes(List<Volume> volumes) {
            this.volumes = new ArrayList<>(volumes);
            return this;
        }

        public Builder network(NetworkMode network) {
            this.network = network;
            return this;
        }

        public Builder constraint(Constraint constraint) {
            this.constraints.add(constraint);
            return this;
        }

        public Builder constraints(List<Constraint> constraints) {
            this.constraints = new ArrayList<>(constraints);
            return this;
        }

        public Builder distinctHosts(boolean distinctHosts) {
            this.distinctHosts = distinctHosts;
            return this;
        }

        public Builder placement(PlacementStrategy placement) {
            this.placement = placement;
            return this;
        }

        public Builder label(String key, String value) {
            this.labels.put(key, value);
            return this;
        }

        public Builder labels(Map<String, String> labels) {
            this.labels = new LinkedHashMap<>(labels);
            return this;
        }

        public JobSpec build() {
            return new JobSpec(id, name, image, entrypoint, command, args, env, workingDir, user, resources,
                    count, restart, restartBackoff, stopTimeout, volumes, network, constraints, distinctHosts,
                    placement, labels);
        }
    }
}
