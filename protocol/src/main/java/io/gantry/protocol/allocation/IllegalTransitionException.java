package io.gantry.protocol.allocation;

/** An allocation was asked to move to a state its lifecycle does not allow from where it is. */
public final class IllegalTransitionException extends IllegalStateException {

    private final AllocationId allocation;
    private final AllocationState from;
    private final AllocationState to;

    public IllegalTransitionException(AllocationId allocation, AllocationState from, AllocationState to) {
        super("allocation " + allocation + ": cannot go from " + from.text() + " to " + to.text()
                + (from.terminal() ? " (" + from.text() + " is final)" : ""));
        this.allocation = allocation;
        this.from = from;
        this.to = to;
    }

    public AllocationId allocation() {
        return allocation;
    }

    public AllocationState from() {
        return from;
    }

    public AllocationState to() {
        return to;
    }
}
