package io.gantry.agent.image;

import java.util.List;

/**
 * A read-write snapshot of an image mounted at a directory ({@code gantry image mount}).
 *
 * @param reference the image
 * @param directory where it is mounted (absolute)
 * @param snapshot  the snapshot's key; writes go to its private upper layer
 * @param mounts    what was mounted, as {@code type source options} lines
 */
public record MountedImage(String reference, String directory, String snapshot, List<String> mounts) {
    public MountedImage {
        mounts = List.copyOf(mounts);
    }
}
