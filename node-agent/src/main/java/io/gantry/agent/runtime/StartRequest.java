package io.gantry.agent.runtime;

import io.gantry.agent.logs.LogSink;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Start the container {@code id} from the OCI bundle at {@code bundle} (its {@code config.json}
 * written by the time of {@link ContainerRuntime#start}; {@link ContainerRuntime#prepare} may come
 * before), sending its output to {@code logs}.
 */
public record StartRequest(String id, Path bundle, LogSink logs) {

    public StartRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(logs, "logs");
        ContainerIds.validate(id);
    }
}
