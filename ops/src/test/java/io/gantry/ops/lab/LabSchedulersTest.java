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
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code ops/lab up 3 --schedulers 2}: two scheduler hosts share the lab's PostgreSQL journal,
 * so a job submitted before the scheduler singleton's host is killed is still there when the
 * singleton has moved to the other scheduler host. Needs root, the lab's tools and PostgreSQL;
 * skips with the reason otherwise.
 */
@Tag("lab")
@Tag("slow")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LabSchedulersTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Path parent;
  private LabCommand lab;
  /** Why this machine cannot run the lab, found once in {@code up()}; each test skips with it. */
  private String skipReason;

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
    LabCommand.require(LabCommand.host("id", "-u").trim().equals("0"), "ops/lab makes network namespaces: the lab tests run as root only");
    for (String tool : List.of("ip", "nsenter", "setsid", "curl", "jq", "docker-registry", "runuser")) {
      LabCommand.require(LabCommand.onPath(tool), tool + " is not installed (ops/run-tests installs what the lab needs)");
    }
    LabCommand.require(Files.isDirectory(Path.of("/usr/lib/postgresql")) || LabCommand.onPath("initdb"),
        "PostgreSQL is not installed (apt-get install postgresql): the lab's shared journal needs it");
    parent = Files.createTempDirectory("gantry-lab-test-");
    String name = "gls-" + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
    lab = new LabCommand(parent.resolve("lab"), name);
    lab.run(Duration.ofMinutes(5), "up", "3", "--schedulers", "2", "--name", name).ok("ops/lab up 3 --schedulers 2");
  }

  @AfterAll
  void tearDown() throws IOException {
    LabCommand.down(lab, parent);
  }

  @Test
  void aJobOutlivesTheSchedulerHostThroughTheSharedJournal() throws Exception {
    String status = lab.run(Duration.ofSeconds(60), "status").ok("status").output();
    assertTrue(status.contains("journal    postgres 10.213.0.1:5432"), status);
    assertTrue(status.contains("singleton on host1"), "the first scheduler host is the oldest: " + status);

    lab.gantry("host2", "run", "--name", "web", "--count", "6", "--cpus", "0.1", "--memory", "64m",
        "10.213.0.1:5000/demo:latest").ok("gantry run on host2");
    assertEquals(6, job("host2").path("allocations").size(), job("host2").toString());

    lab.run(Duration.ofSeconds(60), "kill", "host1").ok("kill host1");
    // The singleton moves once the Split Brain Resolver has downed host1; host2 then recovers
    // the scheduler's state from PostgreSQL.
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    JsonNode job = null;
    String last = "";
    while (System.nanoTime() < deadline) {
      String s = lab.run(Duration.ofSeconds(60), "status").ok("status").output();
      if (s.contains("singleton on host2 (the oldest Up scheduler member)")) {
        LabCommand.Result r = lab.gantry("host2", "job", "status", "web", "--json");
        last = r.output();
        if (r.exit() == 0) {
          job = JSON.readTree(last.substring(last.indexOf('{')));
          break;
        }
      }
      Thread.sleep(1000);
    }
    assertTrue(job != null, "host2 answers for job web after host1 was killed; last: " + last);
    assertEquals("web", job.path("id").asText(), job.toString());
    assertEquals(6, job.path("allocations").size(), "the job's allocations came back from the journal: " + job);

    String[] postgres = Files.readAllLines(lab.dir().resolve("lab.state")).stream()
        .filter(l -> l.startsWith("pid postgres ")).findFirst().orElseThrow().split(" ");
    lab.run(Duration.ofMinutes(2), "down").ok("down");
    Path stat = Path.of("/proc", postgres[2], "stat");
    assertFalse(Files.exists(stat) && Files.readString(stat).contains(") ")
            && Files.readString(stat).substring(Files.readString(stat).lastIndexOf(')') + 2).split(" ")[19].equals(postgres[3]),
        "the lab's PostgreSQL (pid " + postgres[2] + ") stopped");
    assertFalse(LabCommand.host("ip", "netns", "list").contains(lab.name() + "-"), "no lab namespace left");
  }

  private JsonNode job(String host) throws IOException {
    String out = lab.gantry(host, "job", "status", "web", "--json").ok("job status on " + host).output();
    return JSON.readTree(out.substring(out.indexOf('{')));
  }
}
