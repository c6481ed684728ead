package io.gantry.agent.container;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/** A container request with one or more bad fields, every one of them listed. */
public final class InvalidContainerRequestException extends ContainerException {

    /** One bad part of a request; {@code field} names it as the request's JSON does ("memory", "volumes[1]"). */
    public record FieldProblem(String field, String message) {
        public FieldProblem {
            Objects.requireNonNull(field, "field");
            Objects.requireNonNull(message, "message");
        }

        @Override
        public String toString() {
            return field + ": " + message;
        }
    }

    private final List<FieldProblem> problems;

    public InvalidContainerRequestException(List<FieldProblem> problems) {
        super(problems.stream().map(FieldProblem::toString).collect(Collectors.joining("; ")));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("an invalid request has at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    public InvalidContainerRequestException(String field, String message) {
        this(List.of(new FieldProblem(field, message)));
    }

    public List<FieldProblem> problems() {
        return problems;
    }
}
