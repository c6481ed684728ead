package io.gantry.ops.node.images;

import io.gantry.agent.image.LayerRejectedException;
import io.gantry.agent.snapshot.SnapshotException;
import io.gantry.agent.unpack.LayerFormatException;
import io.gantry.layercache.DigestMismatchException;
import io.gantry.layercache.FailedPreconditionException;
import io.gantry.layercache.NotFoundException;
import io.gantry.layercache.RegistryUnavailableException;
import io.gantry.layercache.UnauthorizedException;
import io.gantry.protocol.oci.InvalidReferenceException;
import io.gantry.scheduler.api.Problem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * How the image service's typed errors read over REST: what the caller did wrong is 4xx, what a
 * registry or peer did wrong is 502 with the reason, a refused image layer 422 naming image,
 * layer and entry. Everything else is a 500 whose detail says nothing about internals (logged).
 */
final class ImageProblems {

    static final String LAYER_REJECTED = "urn:gantry:problem:layer-rejected";
    static final String BAD_GATEWAY = "urn:gantry:problem:bad-gateway";
    static final String UNPROCESSABLE = "urn:gantry:problem:unprocessable";

    private static final Logger log = LoggerFactory.getLogger(ImageProblems.class);

    private ImageProblems() {
    }

    static Problem of(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof InvalidReferenceException) {
            return Problem.validation("not an image reference", List.of(new Problem.FieldError("$.reference", message)));
        }
        if (e instanceof IllegalArgumentException) {
            return Problem.validation(message, List.of());
        }
        if (e instanceof NotFoundException) {
            return Problem.notFound(message);
        }
        if (e instanceof LayerRejectedException || e instanceof LayerFormatException) {
            return Problem.of(422, LAYER_REJECTED, "Image layer refused", message);
        }
        if (e instanceof RegistryUnavailableException || e instanceof UnauthorizedException
                || e instanceof DigestMismatchException) {
            return Problem.of(502, BAD_GATEWAY, "Registry failed", message);
        }
        if (e instanceof FailedPreconditionException) {
            return Problem.of(422, UNPROCESSABLE, "Cannot do that", message);
        }
        if (e instanceof SnapshotException s) {
            return switch (s.reason()) {
                case NOT_FOUND -> Problem.notFound(message);
                case ALREADY_EXISTS, FAILED_PRECONDITION -> Problem.conflict(message);
            };
        }
        if (e instanceof java.nio.file.NoSuchFileException) {
            return Problem.notFound("no such file or directory: " + message);
        }
        log.error("image request failed", e);
        return Problem.of(500, Problem.INTERNAL, "Internal server error",
                "the image operation failed; the node's log has the details");
    }
}
