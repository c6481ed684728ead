package io.gantry.scheduler.placement;

import io.gantry.protocol.job.Constraint;
import io.gantry.protocol.job.PlacementStrategy;
import io.gantry.protocol.oci.Digest;

import java.util.List;
import java.util.Map;

/**
 * A {@link PlacementRequest} compiled once per plan: plain fields for the hot loop, the reason
 * strings a filter reports (built once, not per node), the job's per-node counts, and, after the
 * first failure, the summary that every further identical allocation shares (Nomad's coalesced
 * failures: within a plan, free resources only shrink, so the answer cannot change).
 */
final class Ask {

    final PlacementRequest request;
    final long cpu;
    final long mem;
    final boolean spread;
    final boolean distinctHosts;
    final Constraint[] constraints;
    final String[] constraintReasons;
    final IntCounter jobCounts;
    final Digest[] layerDigests;
    final long[] layerSizes;
    final long totalLayerBytes;
    /** The largest layer, whose holders are locality candidates; null without layers. */
    final Digest largestLayer;
    FailureSummary failure;

    Ask(PlacementRequest request, IntCounter jobCounts) {
        this.request = request;
        this.cpu = request.resources().cpuMillis();
        this.mem = request.resources().memoryBytes();
        this.spread = request.strategy() == PlacementStrategy.SPREAD;
        this.distinctHosts = request.distinctHosts();
        List<Constraint> cs = request.constraints();
        this.constraints = cs.toArray(new Constraint[0]);
        this.constraintReasons = new String[constraints.length];
        for (int i = 0; i < constraints.length; i++) {
            constraintReasons[i] = "constraint " + constraints[i] + " not met";
        }
        this.jobCounts = jobCounts;
        List<ImageLayer> layers = request.layers();
        this.layerDigests = new Digest[layers.size()];
        this.layerSizes = new long[layers.size()];
        long total = 0;
        Digest largest = null;
        long largestSize = -1;
        for (int i = 0; i < layers.size(); i++) {
            layerDigests[i] = layers.get(i).digest();
            layerSizes[i] = layers.get(i).size();
            total += layerSizes[i];
            if (layerSizes[i] > largestSize) {
                largestSize = layerSizes[i];
                largest = layerDigests[i];
            }
        }
        this.totalLayerBytes = total;
        this.largestLayer = total > 0 ? largest : null;
    }

    boolean constraintsMet(Map<String, String> labels) {
        for (Constraint c : constraints) {
            if (!c.matches(labels)) {
                return false;
            }
        }
        return true;
    }
}
