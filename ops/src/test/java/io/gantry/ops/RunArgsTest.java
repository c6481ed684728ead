package io.gantry.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.ops.cli.OptionSpec;
import io.gantry.ops.cli.ParsedArgs;
import io.gantry.ops.cli.UsageException;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.job.JobSpecJson;
import io.gantry.protocol.job.PlacementStrategy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code gantry run} flags → a job document, with docker run's reading of the command line. */
class RunArgsTest {
  static final List<OptionSpec> OPTIONS = new RunCommand().options();

  static ObjectNode job(String... args) throws UsageException {
    ParsedArgs parsed = ParsedArgs.parse(List.of(args), OPTIONS, true);
    return RunArgs.job(parsed, parsed.positionals(), () -> "abcde");
  }

  @Test
  void everyFlagLandsInTheDocumentAndTheServerReadsIt() throws Exception {
    ObjectNode doc = job("--name", "web", "--count", "3", "--restart", "always", "-e", "A=1", "--env", "B=x=y",
        "-v", "/srv/data:/data:ro", "-v", "cache:/cache", "--memory", "256m", "--cpus", "0.5",
        "--constraint", "zone=a", "--constraint", "disk!=hdd", "--spread", "--distinct-hosts",
        "registry.local:5000/team/web:1.4", "serve", "--port", "80");
    JobSpec spec = JobSpecJson.read(doc).orElseThrow();
    assertEquals("web", spec.id());
    assertEquals(3, spec.count());
    assertEquals("always", doc.path("restart").asText());
    assertEquals("1", spec.env().get("A"));
    assertEquals("x=y", spec.env().get("B"));
    assertEquals(2, spec.volumes().size());
    assertTrue(spec.volumes().get(0).readOnly());
    assertEquals(256L << 20, spec.resources().memoryBytes());
    assertEquals(500, spec.resources().cpuMillis());
    assertEquals(2, spec.constraints().size());
    assertEquals(PlacementStrategy.SPREAD, spec.placement());
    assertTrue(spec.distinctHosts());
    // options end at IMAGE: "--port" belongs to the container's command
    assertEquals(List.of("serve", "--port", "80"), spec.command().orElseThrow());
  }

  @Test
  void theJobIdComesFromTheImageName() throws Exception {
    assertEquals("web-abcde", job("registry.local:5000/team/web:1.4").path("id").asText());
    assertEquals("busybox-abcde", job("busybox@sha256:" + "a".repeat(64)).path("id").asText());
    assertEquals("my-app-abcde", RunArgs.defaultId("My_App", "abcde"));
    assertTrue(job("busybox").path("command").isMissingNode(), "no CMD: the image's own");
  }

  @Test
  void sizesAndCores() throws Exception {
    assertEquals(512L << 20, RunArgs.memory("512m"));
    assertEquals(1L << 30, RunArgs.memory("1GiB"));
    assertEquals(1536L << 20, RunArgs.memory("1.5g"));
    assertEquals(1000, RunArgs.memory("1000"));
    assertEquals(250, RunArgs.cpus("0.25"));
    assertEquals(2000, RunArgs.cpus("2"));
  }

  @Test
  void malformedFlagsAreUsageErrorsThatShowTheForm() {
    assertTrue(assertThrows(UsageException.class, () -> job()).getMessage().contains("missing IMAGE"));
    assertTrue(assertThrows(UsageException.class, () -> job("-e", "NOEQUALS", "busybox")).getMessage()
        .contains("KEY=VALUE"));
    assertTrue(assertThrows(UsageException.class, () -> job("-v", "/only-one", "busybox")).getMessage()
        .contains("SOURCE:TARGET"));
    assertTrue(assertThrows(UsageException.class, () -> job("--memory", "lots", "busybox")).getMessage()
        .contains("512m"));
    assertTrue(assertThrows(UsageException.class, () -> job("--cpus", "-1", "busybox")).getMessage()
        .contains("--cpus"));
    assertTrue(assertThrows(UsageException.class, () -> job("--count", "two", "busybox")).getMessage()
        .contains("--count"));
    assertTrue(assertThrows(UsageException.class, () -> job("--constraint", "zone", "busybox")).getMessage()
        .contains("LABEL=VALUE"));
  }
}
