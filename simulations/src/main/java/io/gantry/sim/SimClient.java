package io.gantry.sim;

import io.gantry.protocol.job.JobSpec;
import io.gantry.scheduler.core.SchedulerCommand;
import io.gantry.scheduler.core.SchedulerReply;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The users: submit every job at the start (spread over the first seconds), then, while faults
 * are being injected, scale, update, stop and resubmit jobs now and then. Like a careful REST
 * client, it retries a request until it is acknowledged (job submission is idempotent) and sends
 * the next request for a job only after the previous one was answered. What it asks for is what
 * the checker holds the cluster to; what was acknowledged must never be lost.
 */
final class SimClient {

    static final long REQUEST_TIMEOUT = 15_000;

    private record Pending(String jobId, SchedulerCommand command, JobSpec desired, boolean stop) {
    }

    private final Simulation sim;
    private final SimRandom rnd;
    private final Map<String, JobSpec> current = new LinkedHashMap<>();
    private final Map<String, Boolean> stopped = new LinkedHashMap<>();
    private final Map<String, Pending> inFlight = new LinkedHashMap<>();
    private final Map<Long, String> requests = new LinkedHashMap<>();
    private long nextRequest = 1;
    private long lastRequestAt;
    private long acknowledged;
    private long rejected;
    private long sent;
    private int drained;

    SimClient(Simulation sim, SimRandom rnd) {
        this.sim = sim;
        this.rnd = rnd;
    }

    long acknowledged() {
        return acknowledged;
    }

    long rejected() {
        return rejected;
    }

    long sent() {
        return sent;
    }

    /** When the last request was answered (convergence counts from there too). */
    long lastRequestAt() {
        return lastRequestAt;
    }

    boolean idle() {
        return inFlight.isEmpty();
    }

    void start(long churnUntil) {
        List<Workload.Job> jobs = sim.workload().jobs();
        long ramp = Math.min(60_000, 20L * jobs.size());
        sim.loop().at(0, () -> {
            for (Workload.Image img : sim.workload().images()) {
                send(-1, new SchedulerCommand.LearnImageLayers(img.reference(), img.layers()));
            }
        });
        for (int i = 0; i < jobs.size(); i++) {
            Workload.Job job = jobs.get(i);
            long at = 100 + ramp * i / jobs.size();
            sim.loop().at(at, () -> request(job.id(), new SchedulerCommand.SubmitJob(job.spec()), job.spec(), false));
        }
        long mean = Math.max(5_000, 3_600_000L / Math.max(10, jobs.size() / 10));
        scheduleChurn(ramp + 60_000 + rnd.exponential(mean), mean, churnUntil);
    }

    private void scheduleChurn(long at, long mean, long until) {
        if (at >= until) {
            return;
        }
        sim.loop().at(at, () -> {
            churn();
            scheduleChurn(sim.now() + 1_000 + rnd.exponential(mean), mean, until);
        });
    }

    private void churn() {
        if (rnd.chance(0.04) && drained * 10 < sim.topology().agents() - 1) {
            // an operator drains a node: its allocations move elsewhere, start-first
            String node = sim.name(rnd.nextInt(sim.topology().agents()));
            String key = "drain:" + node;
            if (!inFlight.containsKey(key)) {
                drained++;
                Pending p = new Pending(key, new SchedulerCommand.DrainNode(io.gantry.protocol.node.NodeId.of(node)),
                        null, false);
                inFlight.put(key, p);
                lastRequestAt = sim.now();
                attempt(p);
            }
            return;
        }
        List<Workload.Job> jobs = sim.workload().jobs();
        Workload.Job job = jobs.get(rnd.nextInt(jobs.size()));
        String id = job.id();
        if (inFlight.containsKey(id)) {
            return;
        }
        JobSpec spec = current.get(id);
        if (spec == null) {
            return;
        }
        int what = rnd.nextInt(100);
        if (Boolean.TRUE.equals(stopped.get(id))) {
            request(id, new SchedulerCommand.SubmitJob(spec), spec, false);
        } else if (what < 45) {
            int base = job.spec().count();
            int count = Math.max(1, (int) rnd.between(Math.max(1, base / 2), base * 2L));
            if (count == spec.count()) {
                count = spec.count() + 1;
            }
            if (spec.distinctHosts()) {
                count = Math.min(count, Math.max(1, sim.topology().agents() / 2));
                if (count == spec.count()) {
                    return;
                }
            }
            JobSpec next = spec.toBuilder().count(count).build();
            request(id, new SchedulerCommand.ScaleJob(id, count), next, false);
        } else if (what < 85) {
            int gen = Integer.parseInt(spec.env().getOrDefault("GENERATION", "1")) + 1;
            JobSpec next = spec.toBuilder().env("GENERATION", Integer.toString(gen)).build();
            request(id, new SchedulerCommand.SubmitJob(next), next, false);
        } else {
            request(id, new SchedulerCommand.StopJob(id), spec, true);
        }
    }

    private void request(String jobId, SchedulerCommand command, JobSpec desired, boolean stop) {
        Pending p = new Pending(jobId, command, desired, stop);
        inFlight.put(jobId, p);
        current.put(jobId, desired);
        stopped.put(jobId, stop);
        sim.checker().desire(desired, stop);
        lastRequestAt = sim.now();
        attempt(p);
    }

    private void attempt(Pending p) {
        if (inFlight.get(p.jobId) != p) {
            return;
        }
        long id = nextRequest++;
        requests.put(id, p.jobId);
        send(id, p.command);
        sim.loop().after(REQUEST_TIMEOUT, () -> {
            if (requests.containsKey(id)) {
                requests.remove(id);
                attempt(p);
            }
        });
    }

    private void send(long requestId, SchedulerCommand command) {
        SchedulerProcess s = sim.singleton();
        sent++;
        if (s == null) {
            return; // no scheduler: the API answers 503; the retry comes after the timeout
        }
        sim.network().send(sim.clientIndex(), s.host, new Messages.ClientRequest(requestId, command));
    }

    void reply(Messages.ClientReply r) {
        String jobId = requests.remove(r.requestId());
        if (jobId == null) {
            return; // an answer to an attempt that already timed out
        }
        Pending p = inFlight.get(jobId);
        if (p == null) {
            return;
        }
        SchedulerReply reply = r.reply();
        if (reply instanceof SchedulerReply.Rejected rej) {
            rejected++;
            sim.trace().begin().append("client-rejected ").append(jobId).append(' ').append(rej.kind()).append(' ')
                    .append(rej.message());
            sim.trace().end();
            inFlight.remove(jobId);
            lastRequestAt = sim.now();
            return;
        }
        inFlight.remove(jobId);
        acknowledged++;
        lastRequestAt = sim.now();
        long version = reply instanceof SchedulerReply.JobAccepted a ? a.version() : 0;
        if (p.desired != null) {
            sim.checker().acknowledged(jobId, version, p.stop);
        }
        sim.trace().begin().append("client-ack ").append(jobId).append(" version=").append(version)
                .append(p.stop ? " stop" : "");
        sim.trace().end();
        sim.requestsSettled();
    }
}
