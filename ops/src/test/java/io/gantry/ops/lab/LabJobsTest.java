package io.gantry.ops.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Jobs on a lab cluster, end to end: {@code ops/lab up 3}, a job of count 6 from the lab's
 * registry spreads over the three agents and runs (real pulls, real runc containers); killing
 * an agent host gets its allocations replaced on the others; {@code ops/lab down} removes the
 * containers, mounts and cgroups the agents made, the killed host's included.
 *
 * <p>Needs root, runc and the lab's tools; skips with the reason otherwise, and when the
 * build's agents do not register with the scheduler (a build without the agent role).
 */
@Tag("lab")
@Tag("slow")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LabJobsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String IMAGE = "10.213.0.1:5000/demo:latest";
  private static final List<String> AGENTS = List.of("host1", "host2", "host3");

  private Path parent;
  private LabCommand lab;
  /** Why this machine cannot run the lab, found once in {@code up()}; each test skips with it. */
  private String skipReason;

  @BeforeAll
  void up() throws Exception {
    try {
      start();
    } catch (LabCommand.Skip e) {
      skipReason = e.getMessage();
    }
  }

  /** Skipped tests are counted and carry the reason (an assumption in @BeforeAll is not reported). */
  @BeforeEach
  void skipUnlessTheLabRuns() {
    assumeTrue(skipReason == null, skipReason);
  }

  private void start() throws Exception {
    LabCommand.require(LabCommand.host("id", "-u").trim().equals("0"), "ops/lab makes network namespaces: the lab tests run as root only");
    for (String tool : List.of("ip", "nsenter", "setsid", "curl", "jq", "docker-registry", "runc")) {
      LabCommand.require(LabCommand.onPath(tool), tool + " is not installed (ops/run-tests installs what the lab needs)");
    }
    LabCommand.require(Files.isExecutable(Path.of("/bin/busybox")), "no /bin/busybox for the demo image (apt-get install busybox-static)");
    parent = Files.createTempDirectory("gantry-lab-test-");
    String name = "glj-" + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
    lab = new LabCommand(parent.resolve("lab"), name);
    lab.run(Duration.ofMinutes(5), "up", "3", "--name", name).ok("ops/lab up 3");

    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    int ready = 0;
    while (System.nanoTime() < deadline && ready < AGENTS.size()) {
      LabCommand.Result nodes = lab.gantry("host1", "node", "ls", "--json");
      ready = nodes.exit() == 0 ? (int) nodesByStatus(nodes.output()).getOrDefault("ready", 0L).longValue() : 0;
      if (ready < AGENTS.size()) {
        Thread.sleep(1000);
      }
    }
    LabCommand.require(ready == AGENTS.size(), "the lab's agents did not register with the scheduler within 60 s"
        + " (a build without the agent role); ready nodes: " + ready);
  }

  @AfterAll
  void tearDown() throws IOException {
    LabCommand.down(lab, parent);
  }

  @Test
  @Order(1)
  void aJobOfSixSpreadsOverTheAgentsAndRuns() throws Exception {
    lab.gantry("host1", "run", "--name", "web", "--count", "6", "--spread", "--cpus", "0.1", "--memory", "32m",
        "--restart", "always", IMAGE).ok("gantry run");
    JsonNode job = awaitJob(j -> running(j).values().stream().mapToLong(Long::longValue).sum() == 6,
        Duration.ofMinutes(2), "6 allocations running");
    Map<String, Long> perNode = running(job);
    assertEquals(Map.of("host1", 2L, "host2", 2L, "host3", 2L), perNode, "spread: two on each agent; " + job);

    String status = lab.run(Duration.ofSeconds(60), "status").ok("status").output();
    for (String host : AGENTS) {
      assertTrue(status.lines().anyMatch(l -> l.trim().startsWith(host) && l.matches(".*\\bready\\s+2\\b.*")),
          "status shows 2 allocations on " + host + ":\n" + status);
    }
  }

  @Test
  @Order(2)
  void killingAnAgentHostGetsItsAllocationsReplacedOnTheOthers() throws Exception {
    lab.run(Duration.ofSeconds(60), "kill", "host3").ok("kill host3");
    JsonNode job = awaitJob(j -> {
      Map<String, Long> r = running(j);
      return !r.containsKey("host3") && r.values().stream().mapToLong(Long::longValue).sum() == 6;
    }, Duration.ofMinutes(2), "6 allocations running again, none on the killed host3");
    assertEquals(Map.of("host1", 3L, "host2", 3L), running(job), job.toString());
    long lost = 0;
    for (JsonNode a : job.path("allocations")) {
      if (a.path("state").asText().equals("lost")) {
        lost++;
        assertEquals("host3", node(a), "only host3's allocations were lost: " + a);
        assertFalse(a.path("replacedBy").isMissingNode() || a.path("replacedBy").isNull(), "replaced: " + a);
      }
    }
    assertEquals(2, lost, "host3's two allocations are lost and replaced: " + job);
  }

  @Test
  @Order(3)
  void downRemovesEveryContainerMountAndCgroupTheAgentsMade() throws IOException {
    LabCommand.Result down = lab.run(Duration.ofMinutes(2), "down").ok("down");
    assertTrue(down.output().contains("removed container"), "the agents' containers were removed:\n" + down.output());
    assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(lab.dir().toString()), "no mount left");
    for (String host : AGENTS) {
      assertFalse(Files.exists(Path.of("/sys/fs/cgroup/memory", lab.name() + "-" + host)), "cgroup of " + host + " removed");
    }
    assertFalse(LabCommand.host("ip", "netns", "list").contains(lab.name() + "-"), "no lab namespace left");
    assertFalse(Files.exists(lab.dir()));
  }

  private JsonNode awaitJob(Predicate<JsonNode> condition, Duration within, String what) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      LabCommand.Result r = lab.gantry("host1", "job", "status", "web", "--json");
      if (r.exit() == 0) {
        last = r.output();
        JsonNode job = JSON.readTree(last.substring(last.indexOf('{')));
        if (condition.test(job)) {
          return job;
        }
      }
      Thread.sleep(2000);
    }
    throw new AssertionError(what + ": not within " + within + "; last answer:\n" + last);
  }

  /** Running allocations per node. */
  private static Map<String, Long> running(JsonNode job) {
    Map<String, Long> perNode = new TreeMap<>();
    for (JsonNode a : job.path("allocations")) {
      if (a.path("state").asText().equals("running")) {
        perNode.merge(node(a), 1L, Long::sum);
      }
    }
    return perNode;
  }

  /** An allocation's node (Jackson writes an Optional as its value, or null when empty). */
  private static String node(JsonNode allocation) {
    return allocation.path("node").asText();
  }

  private static Map<String, Long> nodesByStatus(String output) throws IOException {
    JsonNode nodes = JSON.readTree(output.substring(output.indexOf('{'))).path("nodes");
    Map<String, Long> byStatus = new TreeMap<>();
    nodes.forEach(n -> byStatus.merge(n.path("status").asText(), 1L, Long::sum));
    return byStatus;
  }
}
