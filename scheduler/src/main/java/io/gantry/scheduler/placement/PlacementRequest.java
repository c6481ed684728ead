package io.gantry.scheduler.placement;

import io.gantry.protocol.job.Constraint;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.job.PlacementStrategy;
import io.gantry.protocol.job.Resources;

import java.util.List;
import java.util.Objects;

/**
 * What every allocation of one job version asks of a node: its resources and the job's placement
 * rules, plus the image's layers (when the scheduler knows them) for locality scoring.
 *
 * <p>All pending allocations of a job share one request object; the placer compiles a request
 * once per plan (constraint checks, layer lookups, the job's per-node counts), so sharing the
 * instance is what keeps a 100-allocation job as cheap as one.
 */
public record PlacementRequest(
        String jobId,
        Resources resources,
        List<Constraint> constraints,
        boolean distinctHosts,
        PlacementStrategy strategy,
        List<ImageLayer> layers) {

    public PlacementRequest {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(resources, "resources");
        constraints = List.copyOf(constraints);
        Objects.requireNonNull(strategy, "strategy");
        layers = List.copyOf(layers);
        if (resources.cpuMillis() < 0 || resources.memoryBytes() < 0) {
            throw new IllegalArgumentException("job " + jobId + ": resources must not be negative: " + resources);
        }
    }

    /** The request of a job spec, with the image layers known for its image (may be empty). */
    public static PlacementRequest of(JobSpec spec, List<ImageLayer> layers) {
        return new PlacementRequest(spec.id(), spec.resources(), spec.constraints(), spec.distinctHosts(),
                spec.placement(), layers);
    }

    public long totalLayerBytes() {
        long total = 0;
        for (ImageLayer l : layers) {
            total += l.size();
        }
        return total;
    }
}
