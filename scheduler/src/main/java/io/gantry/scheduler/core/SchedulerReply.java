package io.gantry.scheduler.core;

import io.gantry.protocol.job.Problem;

import java.util.List;

/** The answer to a user's command, produced once the events it caused are persisted. */
public sealed interface SchedulerReply {

    /** @param created true for a new job, false for an update (or a no-op resubmission) */
    record JobAccepted(String jobId, long version, boolean created) implements SchedulerReply {
    }

    record Done(String message) implements SchedulerReply {
    }

    /** The request was refused; nothing changed. Kinds follow containerd's errdefs. */
    record Rejected(Kind kind, String message, List<Problem> problems) implements SchedulerReply {
        public enum Kind { INVALID, NOT_FOUND, FAILED_PRECONDITION }

        public Rejected {
            problems = List.copyOf(problems);
        }

        static Rejected notFound(String message) {
            return new Rejected(Kind.NOT_FOUND, message, List.of());
        }

        static Rejected failedPrecondition(String message) {
            return new Rejected(Kind.FAILED_PRECONDITION, message, List.of());
        }
    }
}
