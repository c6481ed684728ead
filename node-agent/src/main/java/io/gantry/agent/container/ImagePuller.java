package io.gantry.agent.container;

import io.gantry.layercache.distribution.PullProgress;
import io.gantry.layercache.distribution.PulledImage;
import io.gantry.layercache.distribution.RegistryClient;
import io.gantry.layercache.distribution.RegistryOptions;
import io.gantry.layercache.image.ImageStore;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.Platform;

import java.io.IOException;
import java.util.Set;

/**
 * Pulls an image into the node's image store. The registry implementation speaks HTTPS, or
 * plain HTTP to registries on loopback addresses and to those listed as insecure (Docker's
 * {@code insecure-registries}; a loopback registry is trusted the same way by Docker).
 */
@FunctionalInterface
public interface ImagePuller extends AutoCloseable {

    PulledImage pull(ImageReference reference, Platform platform) throws IOException;

    @Override
    default void close() {
    }

    /** Pulls from registries with {@link RegistryClient}s (one HTTPS, one plain HTTP). */
    static ImagePuller registry(ImageStore images, RegistryOptions options, Set<String> insecureRegistries) {
        RegistryClient secure = new RegistryClient(images, options.withPlainHttp(false));
        RegistryClient plain = new RegistryClient(images, options.withPlainHttp(true));
        Set<String> insecure = Set.copyOf(insecureRegistries);
        return new ImagePuller() {
            @Override
            public PulledImage pull(ImageReference reference, Platform platform) throws IOException {
                boolean http = reference.isLocalhostOrLoopback() || insecure.contains(reference.registry());
                return (http ? plain : secure).pull(reference, platform, PullProgress.NONE);
            }

            @Override
            public void close() {
                secure.close();
                plain.close();
            }
        };
    }

    /** For nodes that only run images already in their store. */
    static ImagePuller none() {
        return (reference, platform) -> {
            throw new io.gantry.layercache.NotFoundException("image " + reference
                    + " is not on this node and pulling is disabled");
        };
    }
}
