package io.gantry.agent.bundle;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/**
 * The part of the OCI runtime spec (config.json, spec 1.0.2 as runc 1.1 and crun 1.8 read it)
 * that Gantry writes. Field names are the spec's; absent values are left out of the JSON.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OciSpec(
        String ociVersion,
        Process process,
        Root root,
        String hostname,
        List<Mount> mounts,
        Hooks hooks,
        Map<String, String> annotations,
        Linux linux) {

    public static final String VERSION = "1.0.2";

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Process(
            boolean terminal,
            User user,
            List<String> args,
            List<String> env,
            String cwd,
            Capabilities capabilities,
            List<Rlimit> rlimits,
            boolean noNewPrivileges,
            Integer oomScoreAdj) {
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record User(long uid, long gid, List<Long> additionalGids) {
        public User {
            additionalGids = additionalGids == null ? List.of() : List.copyOf(additionalGids);
        }
    }

    public record Capabilities(
            List<String> bounding,
            List<String> effective,
            List<String> inheritable,
            List<String> permitted,
            List<String> ambient) {
    }

    public record Rlimit(String type, long hard, long soft) {
    }

    public record Root(String path, boolean readonly) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Mount(String destination, String type, String source, List<String> options) {
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Hooks(List<Hook> createRuntime, List<Hook> poststop) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Hook(String path, List<String> args, List<String> env, Integer timeout) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Linux(
            Resources resources,
            String cgroupsPath,
            List<Namespace> namespaces,
            List<Device> devices,
            List<String> maskedPaths,
            List<String> readonlyPaths) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Resources(
            List<DeviceRule> devices,
            Memory memory,
            Cpu cpu,
            Pids pids) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DeviceRule(boolean allow, String type, Long major, Long minor, String access) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Memory(Long limit, Long swap) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Cpu(Long shares, Long quota, Long period) {
    }

    public record Pids(long limit) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Namespace(String type, String path) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Device(String path, String type, long major, long minor, Integer fileMode, Long uid, Long gid) {
    }
}
