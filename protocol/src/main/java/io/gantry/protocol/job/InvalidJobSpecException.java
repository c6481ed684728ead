package io.gantry.protocol.job;

import java.util.List;
import java.util.stream.Collectors;

/** A job document that cannot be accepted, with every {@link Problem} found in it. */
public final class InvalidJobSpecException extends IllegalArgumentException {

    private final transient List<Problem> problems;

    public InvalidJobSpecException(List<Problem> problems) {
        super("invalid job spec: " + problems.stream().map(Problem::toString).collect(Collectors.joining("; ")));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }
}
