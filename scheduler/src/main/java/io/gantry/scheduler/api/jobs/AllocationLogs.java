package io.gantry.scheduler.api.jobs;

import io.gantry.scheduler.view.AllocationView;
import org.apache.pekko.http.javadsl.model.HttpResponse;

import java.util.OptionalInt;
import java.util.concurrent.CompletionStage;

/**
 * Where {@code GET /v1/allocations/{id}/logs} gets an allocation's output: from the agent of the
 * node it runs on ({@link AllocationView#nodeAddress()}). Provided by the node-agent side when it
 * is wired in; without one the route answers 501 and says so.
 */
public interface AllocationLogs {

    /**
     * The allocation's log as the answer to pass on (a stream while {@code follow}); a problem
     * (e.g. the node is unreachable) as a problem+json response or a failed stage.
     *
     * @param tail the last this many lines only; empty for the whole log
     */
    CompletionStage<HttpResponse> logs(AllocationView allocation, boolean follow, OptionalInt tail);
}
