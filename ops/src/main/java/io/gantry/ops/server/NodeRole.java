package io.gantry.ops.server;

import io.gantry.scheduler.api.ApiModule;
import java.util.List;

/**
 * What a node runs for one of its roles ({@code gantry.roles}): started by {@link GantryServer}
 * once the node has joined its cluster and the scheduler proxy exists, before the REST API binds.
 * A role returns the API modules it adds (the scheduler role: jobs, nodes, events, metrics).
 *
 * <p>The agent role is the node agent's (node-agent module): it registers the node with the
 * scheduler through {@link NodeContext#schedulerReports()} and registers again whenever the
 * receptionist lists a new scheduler incarnation under
 * {@code ServiceKey.create(AgentReport.class, "gantry-scheduler")}.
 */
public interface NodeRole {
  /** The role's name in {@code gantry.roles}. */
  String name();

  /**
   * Checks and prepares what the role needs outside the ActorSystem (a database, directories)
   * before the node starts, so that a node that cannot run its role fails fast and starts
   * nothing. Nothing by default.
   */
  default void prepare(GantrySettings settings, com.typesafe.config.Config config) throws ServerStartException {
  }

  /**
   * Starts the role's actors and resources; whatever must stop with the node registers with
   * coordinated shutdown. Throws when the role cannot run on this node, with the reason.
   */
  List<ApiModule> start(NodeContext context) throws ServerStartException;
}
