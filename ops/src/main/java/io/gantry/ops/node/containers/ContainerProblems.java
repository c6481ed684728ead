package io.gantry.ops.node.containers;

import io.gantry.agent.container.ContainerConflictException;
import io.gantry.agent.container.ContainerNotFoundException;
import io.gantry.agent.container.ContainerUnavailableException;
import io.gantry.agent.container.InvalidContainerRequestException;
import io.gantry.scheduler.api.Problem;
import io.gantry.scheduler.api.ProblemException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * How the container service's typed errors read over REST: a bad request 400 listing every
 * field, an unknown container 404, a conflict (name taken, ambiguous id prefix, still running)
 * 409, a node that cannot run containers or an agent that did not answer 503. Anything else is a
 * 500 that says nothing about internals (logged).
 */
final class ContainerProblems {

    private static final Logger log = LoggerFactory.getLogger(ContainerProblems.class);

    private ContainerProblems() {
    }

    static Problem of(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof ProblemException p) {
            return p.problem();
        }
        if (e instanceof InvalidContainerRequestException i) {
            return Problem.validation("the container request has " + i.problems().size() + " problem(s)",
                    i.problems().stream().map(p -> new Problem.FieldError("$." + p.field(), p.message())).toList());
        }
        if (e instanceof ContainerNotFoundException) {
            return Problem.notFound(e.getMessage());
        }
        if (e instanceof ContainerConflictException) {
            return Problem.conflict(e.getMessage());
        }
        if (e instanceof ContainerUnavailableException) {
            return Problem.unavailable(e.getMessage());
        }
        if (e instanceof TimeoutException) {
            return Problem.unavailable("the node agent did not answer in time; retry later");
        }
        log.error("container request failed", e);
        return Problem.of(500, Problem.INTERNAL, "Internal server error",
                "the container operation failed; the node's log has the details");
    }
}
