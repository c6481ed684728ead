package io.gantry.ops.node.containers;

import com.typesafe.config.Config;
import io.gantry.agent.image.ImageService;
import io.gantry.agent.node.NodeAgentRole;
import io.gantry.agent.node.NodeAgentSettings;
import io.gantry.scheduler.api.ApiModule;
import org.apache.pekko.actor.typed.ActorSystem;

import java.nio.file.Path;
import java.util.List;

/**
 * An agent node's containers, wired into the server: the node agent ({@link NodeAgentRole})
 * configured from {@code gantry.agent { … }} over the node's {@link ImageService}, and the
 * container API module. The agent registers with the scheduler by itself (it watches the
 * receptionist for scheduler incarnations); stopping the node lets go of the containers, which
 * the next start adopts.
 */
public final class NodeContainers {

    private final NodeAgentRole.Running agent;

    private NodeContainers(NodeAgentRole.Running agent) {
        this.agent = agent;
    }

    /** @param address the node's HTTP base URL once bound, for the scheduler's NodeInfo */
    public static NodeContainers start(ActorSystem<?> system, Config config, Path dataDir, ImageService images,
                                       java.util.concurrent.CompletionStage<String> address) {
        NodeAgentSettings settings = NodeAgentSettings.fromConfig(config, dataDir);
        return new NodeContainers(NodeAgentRole.start(system, settings, images, address));
    }

    public NodeAgentRole.Running agent() {
        return agent;
    }

    public List<ApiModule> modules() {
        return List.of(new ContainerModule(agent.containers()));
    }
}
