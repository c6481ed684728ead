package io.gantry.protocol.job;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A condition on a node's labels that every node running the job must meet.
 * {@code =} and {@code !=} compare against one value, {@code in} and {@code not_in} against a
 * set. A node without the label does not satisfy {@code =} or {@code in} and does satisfy
 * {@code !=} and {@code not_in} (Kubernetes' NotIn semantics): "not in zone a" holds for a node
 * that has no zone.
 *
 * <p>The value list is kept as given; that {@code =}/{@code !=} have exactly one value and
 * {@code in}/{@code not_in} at least one is checked by validation, so it is reported with the
 * job's other problems.
 */
public record Constraint(String label, Operator operator, List<String> values) {

    public enum Operator {
        EQUALS("="), NOT_EQUALS("!="), IN("in"), NOT_IN("not_in");

        private final String text;

        Operator(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }

        /** True for the operators that take a set of values ({@code in}, {@code not_in}). */
        public boolean takesSet() {
            return this == IN || this == NOT_IN;
        }

        /** The operator written {@code text}, or null. */
        public static Operator fromText(String text) {
            for (Operator o : values()) {
                if (o.text.equals(text)) {
                    return o;
                }
            }
            return null;
        }
    }

    public Constraint {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(operator, "operator");
        values = List.copyOf(values);
    }

    public static Constraint equal(String label, String value) {
        return new Constraint(label, Operator.EQUALS, List.of(value));
    }

    public static Constraint notEqual(String label, String value) {
        return new Constraint(label, Operator.NOT_EQUALS, List.of(value));
    }

    public static Constraint in(String label, String... values) {
        return new Constraint(label, Operator.IN, List.of(values));
    }

    public static Constraint notIn(String label, String... values) {
        return new Constraint(label, Operator.NOT_IN, List.of(values));
    }

    /** Whether a node with these labels satisfies this constraint. */
    public boolean matches(Map<String, String> nodeLabels) {
        String actual = nodeLabels.get(label);
        return switch (operator) {
            case EQUALS, IN -> actual != null && values.contains(actual);
            case NOT_EQUALS, NOT_IN -> actual == null || !values.contains(actual);
        };
    }

    /** How the constraint reads in a job document and in "why is my job pending" reasons. */
    @Override
    public String toString() {
        return operator.takesSet()
                ? label + " " + operator.text + " " + values
                : label + " " + operator.text + " " + (values.isEmpty() ? "" : values.get(0));
    }
}
