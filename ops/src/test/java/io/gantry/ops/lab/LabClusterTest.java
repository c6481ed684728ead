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
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
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
 * {@code ops/lab} for real: three hosts in network namespaces, each a gantry JVM, formed into
 * one cluster; an image pulled on one host reaches the next from its peer, not the registry;
 * a host killed with SIGKILL and started again rejoins; partition and heal, delay;
 * and {@code ops/lab down} leaves no namespace, link, mount, process or directory behind.
 *
 * <p>One lab for the whole class (a lab takes ~15 s to come up), under a random name so that
 * it never meets another lab on the machine. Needs root and the tools the lab uses; skips
 * with the reason otherwise. Whatever fails, {@link #tearDown()} runs {@code ops/lab down}.
 */
@Tag("lab")
@Tag("slow")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LabClusterTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int HOSTS = 3;

  private Path parent;
  private LabCommand lab;
  /** Why this machine cannot run the lab, found once in {@code up()}; each test skips with it. */
  private String skipReason;
  /** The pids the lab recorded, read before down. */
  private final List<String[]> recordedPids = new ArrayList<>();

  @BeforeAll
  void up() throws IOException {
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

  private void start() throws IOException, LabCommand.Skip {
    LabCommand.require(isRoot(), "ops/lab makes network namespaces: the lab tests run as root only");
    for (String tool : List.of("ip", "nsenter", "setsid", "curl", "jq", "docker-registry", "nft", "python3")) {
      LabCommand.require(LabCommand.onPath(tool), tool + " is not installed (ops/run-tests installs what the lab needs)");
    }
    parent = Files.createTempDirectory("gantry-lab-test-");
    String name = "glt-" + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
    // The partition test heals after both sides have seen the partition, which takes a few
    // lab commands; a stable-after well above that keeps the Split Brain Resolver from
    // downing host2 first on a busy machine (the default 7 s was not always enough).
    lab = new LabCommand(parent.resolve("lab"), name, Map.of("GANTRY_LAB_DOWNING_STABLE_AFTER", "30s"));
    lab.run(Duration.ofMinutes(5), "up", Integer.toString(HOSTS), "--name", name).ok("ops/lab up " + HOSTS);
  }

  @AfterAll
  void tearDown() throws IOException {
    LabCommand.down(lab, parent);
  }

  @Test
  @Order(1)
  void threeHostsFormOneClusterSeenFromInsideTheirNamespaces() {
    for (int i = 1; i <= HOSTS; i++) {
      JsonNode health = health(i);
      assertEquals("ok", health.path("status").asText(), health.toString());
      assertEquals("pekko://gantry@" + ip(i) + ":7071", health.path("node").asText());
      assertEquals("Up", health.path("cluster").path("self").asText(), health.toString());
      assertEquals(HOSTS, health.path("cluster").path("members").asInt(), "host" + i + ": " + health);
      assertEquals(0, health.path("cluster").path("unreachable").asInt(), "host" + i + ": " + health);
    }
    assertEquals(List.of("scheduler", "agent"), roles(health(1)));
    assertEquals(List.of("agent"), roles(health(2)));

    String catalog = lab.exec("net", "curl", "-fsS", "http://10.213.0.1:5000/v2/_catalog").ok("registry catalog").output();
    assertTrue(catalog.contains("\"demo\""), "the lab's registry holds the demo image: " + catalog);

    String status = lab.run(Duration.ofSeconds(60), "status").ok("status").output();
    assertTrue(status.lines().filter(l -> l.trim().startsWith("host") && l.contains(" Up ")).count() == HOSTS, status);
  }

  @Test
  @Order(2)
  void aSecondHostPullsTheDemoImageFromItsPeerNotTheRegistry() throws IOException {
    String image = "10.213.0.1:5000/demo:latest";
    lab.gantry("host2", "image", "pull", "--plain-http", image).ok("image pull on host2");
    long fromRegistry = registryBlobGets();
    assertTrue(fromRegistry >= 4, "host2 pulled the config and three layers from the registry: " + fromRegistry);

    lab.gantry("host3", "image", "pull", "--plain-http", image).ok("image pull on host3");
    assertEquals(fromRegistry, registryBlobGets(), "host3 got every blob from a peer (host2), none from the registry");
    assertTrue(lab.gantry("host3", "image", "ls").ok("image ls on host3").output().contains(image));
  }

  private long registryBlobGets() throws IOException {
    try (var lines = Files.lines(lab.dir().resolve("registry/registry.log"))) {
      return lines.filter(l -> l.contains("\"GET /v2/demo/blobs/")).count();
    }
  }

  @Test
  @Order(3)
  void aKilledHostRejoinsWhenStartedAgain() {
    lab.run(Duration.ofSeconds(60), "kill", "host3").ok("kill host3");
    // Unreachable first; once the Split Brain Resolver has downed it, no longer a member.
    awaitHealth(1, h -> h.path("cluster").path("unreachable").asInt() == 1
            || h.path("cluster").path("members").asInt() == HOSTS - 1, Duration.ofSeconds(40),
        "host1 sees the killed host3 as unreachable or gone");
    String status = lab.run(Duration.ofSeconds(60), "status").ok("status").output();
    assertTrue(status.lines().anyMatch(l -> l.trim().startsWith("host3") && l.contains("stopped")), status);

    lab.run(Duration.ofMinutes(3), "start", "host3").ok("start host3");
    for (int i = 1; i <= HOSTS; i++) {
      awaitHealth(i, h -> h.path("cluster").path("members").asInt() == HOSTS
              && h.path("cluster").path("unreachable").asInt() == 0, Duration.ofSeconds(60),
          "host" + i + " sees the restarted host3 as a member again");
    }
  }

  @Test
  @Order(4)
  void aPartitionedHostBecomesUnreachableAndHealsBack() {
    lab.run(Duration.ofSeconds(60), "partition", "host2").ok("partition host2");
    awaitHealth(1, h -> h.path("cluster").path("unreachable").asInt() == 1, Duration.ofSeconds(20),
        "host1 sees partitioned host2 as unreachable");
    awaitHealth(2, h -> h.path("cluster").path("unreachable").asInt() == 2, Duration.ofSeconds(20),
        "host2 sees both others as unreachable");
    // Healed well before the Split Brain Resolver (once membership has been stable for its
    // stable-after, 30 s in this lab) would down host2.
    lab.run(Duration.ofSeconds(60), "heal").ok("heal");
    for (int i = 1; i <= HOSTS; i++) {
      awaitHealth(i, h -> h.path("cluster").path("unreachable").asInt() == 0
          && h.path("cluster").path("members").asInt() == HOSTS, Duration.ofSeconds(30), "host" + i + " after heal");
    }
  }

  @Test
  @Order(5)
  void slowDelaysWhatAHostSendsAndZeroRemovesIt() {
    lab.run(Duration.ofSeconds(60), "slow", "host2", "300").ok("slow host2 300");
    double slowed = healthSeconds(1, 2);
    assertTrue(slowed >= 0.3, "a request from host1 to host2 takes at least one delayed answer: " + slowed + " s");
    lab.run(Duration.ofSeconds(60), "slow", "host2", "0").ok("slow host2 0");
    double plain = healthSeconds(1, 2);
    assertTrue(plain < 0.3, "without the delay: " + plain + " s");
  }

  @Test
  @Order(6)
  void downLeavesNothingBehind() throws IOException {
    for (String line : Files.readAllLines(lab.dir().resolve("lab.state"))) {
      String[] f = line.split(" ");
      if (f[0].equals("pid")) {
        recordedPids.add(f);
      }
    }
    assertTrue(recordedPids.size() >= HOSTS + 1, "the state file recorded the nodes and the registry");
    // What an agent leaves behind: a mount under its data dir (a container's rootfs) and a
    // process in its namespace (a container's shim) that the lab did not start itself.
    Path merged = lab.dir().resolve("hosts/2/data/containers/c1/merged");
    Files.createDirectories(merged);
    LabCommand.host("mount", "-t", "tmpfs", "-o", "size=1m", "lab-test", merged.toString());
    Process stray = new ProcessBuilder("setsid", "ip", "netns", "exec", lab.name() + "-2", "sleep", "600")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      lab.run(Duration.ofMinutes(2), "down").ok("down");
      assertTrue(stray.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "the process in the lab's namespace ended");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } finally {
      stray.destroyForcibly();
    }

    String namespaces = LabCommand.host("ip", "netns", "list");
    assertFalse(namespaces.contains(lab.name() + "-"), "no lab namespace left:\n" + namespaces);
    String links = LabCommand.host("ip", "-o", "link", "show");
    assertFalse(links.contains("gantry-lab-br") || links.contains("veth-") || links.contains("dly"),
        "no lab link in the machine's namespace:\n" + links);
    String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
    assertFalse(mounts.contains(lab.dir().toString()), "no mount under " + lab.dir() + ":\n" + mounts);
    for (String[] pid : recordedPids) {
      Path stat = Path.of("/proc", pid[2], "stat");
      boolean sameProcess = Files.exists(stat) && startTime(Files.readString(stat)).equals(pid[3]);
      assertFalse(sameProcess, pid[1] + " (pid " + pid[2] + ") still runs");
    }
    assertFalse(Files.exists(lab.dir()), lab.dir() + " removed");

    assertEquals(0, lab.run(Duration.ofSeconds(60), "down").exit(), "down again is a no-op");
  }

  private static String startTime(String stat) {
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return fields[19];
  }

  private static String ip(int host) {
    return "10.213.0." + (10 + host);
  }

  private static List<String> roles(JsonNode health) {
    List<String> roles = new ArrayList<>();
    health.path("roles").forEach(r -> roles.add(r.asText()));
    return roles;
  }

  private JsonNode health(int host) {
    String body = lab.exec("host" + host, "curl", "-fsS", "-m", "5", "http://" + ip(host) + ":7070/v1/health")
        .ok("health of host" + host).output();
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new AssertionError("host" + host + " answered no JSON: " + body, e);
    }
  }

  /** Seconds a GET /v1/health from host {@code from} to host {@code to} takes (curl's own clock). */
  private double healthSeconds(int from, int to) {
    String out = lab.exec("host" + from, "curl", "-fsS", "-o", "/dev/null", "-w", "%{time_total}", "-m", "10",
        "http://" + ip(to) + ":7070/v1/health").ok("timed health").output().trim();
    return Double.parseDouble(out.substring(out.lastIndexOf('\n') + 1));
  }

  private void awaitHealth(int host, Predicate<JsonNode> condition, Duration within, String what) {
    long deadline = System.nanoTime() + within.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      LabCommand.Result r = lab.exec("host" + host, "curl", "-fsS", "-m", "3",
          "http://" + ip(host) + ":7070/v1/health");
      if (r.exit() == 0) {
        last = r.output();
        try {
          if (condition.test(JSON.readTree(last))) {
            return;
          }
        } catch (IOException e) {
          last = "not JSON: " + last;
        }
      }
      sleep(Duration.ofSeconds(1));
    }
    throw new AssertionError(what + ": not within " + within + "; last answer: " + last);
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private static boolean isRoot() {
    try {
      return LabCommand.host("id", "-u").trim().equals("0");
    } catch (AssertionError e) {
      return false;
    }
  }
}
