package io.gantry.ops.server;

import com.typesafe.config.ConfigException;
import io.gantry.ops.node.containers.NodeContainers;
import io.gantry.scheduler.api.ApiModule;
import java.util.List;

/**
 * The agent role: the node agent runs this node's containers on its images (opened by the
 * server for every agent node) and serves the container API. It registers with the scheduler by
 * itself, with every scheduler incarnation the receptionist lists.
 */
final class AgentRole implements NodeRole {

  @Override
  public String name() {
    return "agent";
  }

  @Override
  public List<ApiModule> start(NodeContext ctx) throws ServerStartException {
    if (ctx.images().isEmpty()) {
      throw new ServerStartException("the agent role needs the node's images, which did not open", null);
    }
    try {
      return NodeContainers.start(ctx.system(), ctx.config(), ctx.settings().dataDir(), ctx.images().get(),
          ctx.httpAddress()).modules();
    } catch (ConfigException e) {
      throw new ServerStartException("bad configuration: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new ServerStartException("cannot start the node agent: " + e.getMessage(), e);
    }
  }
}
