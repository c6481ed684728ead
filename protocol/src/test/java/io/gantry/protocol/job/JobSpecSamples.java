package io.gantry.protocol.job;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

/** Job specs for tests in any package: one that uses every field (the same as jobs/full-job.json). */
public final class JobSpecSamples {

    private JobSpecSamples() {
    }

    public static JobSpec full() {
        return JobSpec.builder("web", "registry.local:5000/team/web:1.4")
                .name("Web frontend")
                .entrypoint(List.of("/bin/sh", "-c"))
                .command(List.of("exec web --port 8080"))
                .args(List.of("--verbose"))
                .env("MODE", "prod").env("GREETING", "hello world")
                .workingDir("/srv")
                .user("1000:1000")
                .resources(new Resources(500, 256 * Resources.MIB, OptionalLong.of(512)))
                .count(3)
                .restart(RestartPolicy.onFailure(3))
                .restartBackoff(new Backoff(Duration.ofMillis(500), Duration.ofSeconds(90)))
                .stopTimeout(Duration.ofSeconds(20))
                .volume(Volume.bind("/srv/data", "/data", true))
                .volume(Volume.named("cache", "/cache", false))
                .network(NetworkMode.NONE)
                .constraint(Constraint.equal("zone", "a"))
                .constraint(Constraint.in("disk", "ssd", "nvme"))
                .constraint(Constraint.notEqual("gantry.io/maintenance", "true"))
                .constraint(Constraint.notIn("arch", "arm"))
                .distinctHosts(true)
                .placement(PlacementStrategy.SPREAD)
                .label("team", "web").label("tier", "frontend")
                .build();
    }

    /** The smallest valid spec: everything else defaulted. */
    public static JobSpec minimal() {
        return JobSpec.builder("hello", "busybox").build();
    }
}
