package io.gantry.ops.server;

import com.typesafe.config.ConfigException;
import io.gantry.ops.node.containers.NodeContainers;
import io.gantry.ops.node.images.NodeImages;
import io.gantry.scheduler.api.ApiModule;
import java.util.List;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;

/** Starts an agent node's containers over its images (the agent role's container half). */
final class NodeContainersWiring {
  private NodeContainersWiring() {}

  static List<ApiModule> start(GantryConfig.Loaded loaded, ActorSystem<Void> system, NodeImages images,
                               Supplier<String> address) throws ServerStartException {
    try {
      return NodeContainers.start(system, loaded.config(), loaded.settings().dataDir(), images.service(), address).modules();
    } catch (ConfigException e) {
      throw new ServerStartException("bad configuration: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new ServerStartException("cannot start the node agent: " + e.getMessage(), e);
    }
  }
}
