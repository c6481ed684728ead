package io.gantry.ops.server;

import com.typesafe.config.Config;
import io.gantry.scheduler.actor.SchedulerClient;
import io.gantry.scheduler.actor.SchedulerSettings;
import io.gantry.scheduler.api.ApiModule;
import io.gantry.scheduler.api.jobs.AllocationLogs;
import io.gantry.scheduler.api.jobs.EventsApiModule;
import io.gantry.scheduler.api.jobs.JobsApiModule;
import io.gantry.scheduler.api.jobs.MetricsApiModule;
import io.gantry.scheduler.api.jobs.NodesApiModule;
import io.gantry.scheduler.api.jobs.SchedulerEvents;
import io.gantry.scheduler.persistence.JournalSchema;
import io.gantry.scheduler.persistence.JournalSettings;
import io.gantry.scheduler.persistence.JournalUnavailableException;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler role: the journal's tables exist (created at first start), this node may host
 * the scheduler singleton (the cluster singleton manager runs on every scheduler-role node; the
 * oldest hosts it) and it serves the jobs, nodes, events and metrics API, asking the singleton
 * wherever it runs.
 */
final class SchedulerRole implements NodeRole {
  private static final Logger log = LoggerFactory.getLogger(SchedulerRole.class);

  private final Optional<AllocationLogs> logs;

  SchedulerRole(Optional<AllocationLogs> logs) {
    this.logs = logs;
  }

  @Override
  public String name() {
    return "scheduler";
  }

  /** The journal's tables exist before the singleton can start recovering from them. */
  @Override
  public void prepare(GantrySettings settings, Config config) throws ServerStartException {
    JournalSettings journal = JournalSettings.from(config, settings.dataDir());
    try {
      if (JournalSchema.ensure(journal)) {
        log.info("created the scheduler journal's tables in {}", journal.describe());
      }
    } catch (JournalUnavailableException e) {
      throw new ServerStartException(e.getMessage(), e);
    }
    log.info("scheduler role: journal {}", journal.describe());
  }

  @Override
  public List<ApiModule> start(NodeContext ctx) throws ServerStartException {
    SchedulerSettings settings = SchedulerSettings.from(ctx.config());
    SchedulerClient client = new SchedulerClient(ctx.schedulerCommands(), settings.askTimeout(), ctx.system());
    return List.of(
        new JobsApiModule(client, logs),
        new NodesApiModule(client),
        new EventsApiModule(SchedulerEvents.start(ctx.system())),
        new MetricsApiModule(client));
  }
}
