package io.gantry.agent.container;

import io.gantry.agent.runtime.ContainerIds;

import java.nio.file.Path;

/**
 * Where a container's files live on the node: {@code <data>/containers/<id>/} holds
 * {@code rootfs/} (the mount point of its writable snapshot), {@code bundle/} (config.json and
 * the generated /etc files) and {@code logs/container.log}. Its writable layer itself lives in
 * the snapshotter's directory, its volumes under {@code <data>/volumes/}.
 */
public record ContainerPaths(Path root) {

    public ContainerPaths {
        root = root.toAbsolutePath().normalize();
    }

    public static ContainerPaths under(Path dataDir) {
        return new ContainerPaths(dataDir.resolve("containers"));
    }

    public Path dir(String id) {
        return root.resolve(ContainerIds.validate(id));
    }

    public Path rootfs(String id) {
        return dir(id).resolve("rootfs");
    }

    public Path bundle(String id) {
        return dir(id).resolve("bundle");
    }

    public Path log(String id) {
        return dir(id).resolve("logs").resolve("container.log");
    }
}
