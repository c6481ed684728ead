package io.gantry.agent.node;

import io.gantry.agent.container.ContainerPaths;
import io.gantry.agent.container.RootfsProvider;
import io.gantry.agent.posix.FileTrees;
import io.gantry.agent.runtime.ContainerIds;
import io.gantry.agent.runtime.ContainerRuntime;
import io.gantry.agent.runtime.ContainerStatus;
import io.gantry.agent.supervision.ContainerOperations;
import io.gantry.agent.supervision.ContainerRecord;
import io.gantry.agent.supervision.ContainerRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What an agent does at start, before it takes requests: every container record in the state
 * directory is handed back to the runtime (a run still going is adopted, its output flowing into
 * its log again; one that ended meanwhile comes back with its recorded exit), and whatever has
 * no record -- a runtime container, a writable layer or a container directory left by a crash
 * between two steps -- is removed: the process killed, the snapshot unmounted and deleted, the
 * directory deleted. Nothing of the node is left without an owner.
 */
public final class AgentRecovery {

    private static final Logger LOG = LoggerFactory.getLogger(AgentRecovery.class);

    /** The containers to supervise again, and what was swept away. */
    public record Result(List<NodeAgent.Recovered> containers, List<String> swept) {
    }

    private AgentRecovery() {
    }

    public static Result recover(ContainerRecords records, ContainerOperations ops, ContainerRuntime runtime,
                                 RootfsProvider rootfs, ContainerPaths paths) throws IOException {
        List<NodeAgent.Recovered> out = new ArrayList<>();
        List<String> swept = new ArrayList<>();
        Set<String> known = new HashSet<>();
        Set<String> inRuntime = new HashSet<>(runtime.list());
        for (ContainerRecord r : records.readAll()) {
            known.add(r.id());
            Optional<ContainerStatus> status = Optional.empty();
            if (r.handle().isPresent()) {
                status = ops.recover(r);
            } else if (inRuntime.contains(r.id())) {
                // an ended run not cleaned up yet, or one started by a launch whose handle never
                // reached the record: nobody could supervise that one, so it goes too
                runtime.destroy(r.id(), true);
                swept.add("runtime state of " + r.id() + " (no handle recorded)");
            }
            out.add(new NodeAgent.Recovered(r, status));
        }
        for (String id : inRuntime) {
            if (!known.contains(id)) {
                runtime.destroy(id, true);
                swept.add("runtime container " + id);
            }
        }
        for (String id : rootfs.containers()) {
            if (!known.contains(id) && valid(id)) {
                rootfs.remove(id, paths.rootfs(id));
                swept.add("writable layer of " + id);
            }
        }
        if (Files.isDirectory(paths.root())) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(paths.root())) {
                for (Path dir : s) {
                    String id = dir.getFileName().toString();
                    if (!known.contains(id) && valid(id)) {
                        rootfs.remove(id, paths.rootfs(id));
                        FileTrees.deleteTree(dir);
                        swept.add("directory " + dir);
                    }
                }
            }
        }
        if (!swept.isEmpty()) {
            LOG.info("recovery removed what no container record owned: {}", swept);
        }
        return new Result(out, swept);
    }

    private static boolean valid(String id) {
        try {
            ContainerIds.validate(id);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
