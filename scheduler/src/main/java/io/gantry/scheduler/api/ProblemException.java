package io.gantry.scheduler.api;

/**
 * Thrown by a route (or a future it completes with) to answer with a specific problem;
 * {@link ApiErrorHandling} turns it into the problem+json response. Everything else a route
 * throws becomes a 500 with no internals in the body.
 */
public class ProblemException extends RuntimeException {
  private final transient Problem problem;

  public ProblemException(Problem problem) {
    super(problem.title() + (problem.detail() == null ? "" : ": " + problem.detail()));
    this.problem = problem;
  }

  public ProblemException(Problem problem, Throwable cause) {
    super(problem.title() + (problem.detail() == null ? "" : ": " + problem.detail()), cause);
    this.problem = problem;
  }

  public Problem problem() {
    return problem;
  }
}
