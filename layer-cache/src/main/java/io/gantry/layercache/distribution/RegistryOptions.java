package io.gantry.layercache.distribution;

import java.time.Duration;

/**
 * How a {@link RegistryClient} talks to registries.
 *
 * @param plainHttp        use {@code http://} instead of {@code https://} (the {@code --plain-http}
 *                         flag; never assumed, not even for localhost)
 * @param credentials      per-host user and password for basic auth and token requests
 * @param concurrency      layers downloaded (or blobs uploaded) at the same time per pull (push)
 * @param chunkSize        blobs larger than this are pushed in {@code PATCH} chunks of this size,
 *                         smaller ones in one monolithic {@code PUT}
 * @param maxAttempts      tries per request (or per blob download, resuming) on connection errors,
 *                         5xx and 429
 * @param initialBackoff   wait before the second try; doubles per try up to {@code maxBackoff}
 * @param maxBackoff       the cap on the wait between tries
 * @param connectTimeout   TCP connect (and TLS handshake) limit
 * @param stallTimeout     a response body that delivers no byte for this long is abandoned (and
 *                         retried); java.net.http has no read timeout of its own
 */
public record RegistryOptions(boolean plainHttp, RegistryCredentials credentials, int concurrency, long chunkSize,
                              int maxAttempts, Duration initialBackoff, Duration maxBackoff,
                              Duration connectTimeout, Duration stallTimeout) {

    public RegistryOptions {
        if (concurrency < 1) {
            throw new IllegalArgumentException("registry options: concurrency must be at least 1, got " + concurrency);
        }
        if (chunkSize < 1) {
            throw new IllegalArgumentException("registry options: chunkSize must be positive, got " + chunkSize);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("registry options: maxAttempts must be at least 1, got " + maxAttempts);
        }
        if (credentials == null) {
            credentials = RegistryCredentials.none();
        }
    }

    public static RegistryOptions defaults() {
        return new RegistryOptions(false, RegistryCredentials.none(), 3, 32L * 1024 * 1024, 4,
                Duration.ofMillis(250), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30));
    }

    public RegistryOptions withPlainHttp(boolean plainHttp) {
        return new RegistryOptions(plainHttp, credentials, concurrency, chunkSize, maxAttempts, initialBackoff,
                maxBackoff, connectTimeout, stallTimeout);
    }

    public RegistryOptions withCredentials(RegistryCredentials credentials) {
        return new RegistryOptions(plainHttp, credentials, concurrency, chunkSize, maxAttempts, initialBackoff,
                maxBackoff, connectTimeout, stallTimeout);
    }

    public RegistryOptions withConcurrency(int concurrency) {
        return new RegistryOptions(plainHttp, credentials, concurrency, chunkSize, maxAttempts, initialBackoff,
                maxBackoff, connectTimeout, stallTimeout);
    }

    public RegistryOptions withChunkSize(long chunkSize) {
        return new RegistryOptions(plainHttp, credentials, concurrency, chunkSize, maxAttempts, initialBackoff,
                maxBackoff, connectTimeout, stallTimeout);
    }

    public RegistryOptions withRetries(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
        return new RegistryOptions(plainHttp, credentials, concurrency, chunkSize, maxAttempts, initialBackoff,
                maxBackoff, connectTimeout, stallTimeout);
    }

    public RegistryOptions withStallTimeout(Duration stallTimeout) {
        return new RegistryOptions(plainHttp, credentials, concurrency, chunkSize, maxAttempts, initialBackoff,
                maxBackoff, connectTimeout, stallTimeout);
    }

    /** The wait before attempt {@code attempt} (2 = the first retry). */
    Duration backoff(int attempt) {
        long millis = initialBackoff.toMillis() << Math.min(20, Math.max(0, attempt - 2));
        return Duration.ofMillis(Math.min(millis, maxBackoff.toMillis()));
    }
}
