package io.gantry.protocol.node;

import java.util.Objects;
import java.util.Set;

/**
 * The container runtime an agent chose at start (by probing, e.g. {@code runc} 1.1.5) and what
 * it can do (e.g. {@code "memory-limit"}, {@code "pids-limit"}, {@code "network-none"}), in
 * the runtime's own words so that the scheduler can filter nodes on them without this module
 * knowing every runtime.
 */
public record RuntimeInfo(String name, String version, Set<String> capabilities) {

    public RuntimeInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        capabilities = Set.copyOf(capabilities);
    }
}
