package io.gantry.scheduler.api;

import java.util.List;

/**
 * What {@code GET /v1/health} answers: that this node serves, who it is in the cluster and
 * what it runs. {@code uptime} is an ISO-8601 duration ("PT1H2M3S").
 */
public record HealthReport(String status, String node, List<String> roles, String version, String uptime,
                           Cluster cluster) {
  /** This node's view of the cluster: its own member status and how many members it sees. */
  public record Cluster(String self, int members, int unreachable) {}

  public HealthReport {
    roles = List.copyOf(roles);
  }
}
