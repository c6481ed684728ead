package io.gantry.ops.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.gantry.ops.node.images.NodeImages;
import io.gantry.scheduler.api.ApiModule;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.pekko.actor.typed.ActorSystem;

/** Starts an agent node's images with the node and stops them when its actor system ends. */
final class NodeImagesWiring {
  private NodeImagesWiring() {}

  static List<ApiModule> start(Config config, Path dataDir, String token, ActorSystem<Void> system)
      throws ServerStartException {
    NodeImages images;
    try {
      images = NodeImages.open(config, dataDir, token);
    } catch (ConfigException e) {
      throw new ServerStartException("bad configuration: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new ServerStartException("cannot open the node's images in " + dataDir + ": " + e.getMessage(), e);
    }
    system.getWhenTerminated().thenRun(images::close);
    return images.modules();
  }
}
