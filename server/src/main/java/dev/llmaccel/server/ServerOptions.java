package dev.llmaccel.server;

import java.time.Duration;
import java.util.Objects;

/**
 * Where and how an {@link OpenAiServer} listens.
 *
 * @param host the address to bind: 127.0.0.1 (this machine only) unless told otherwise
 * @param port the TCP port; 0 picks a free one ({@link OpenAiServer#port()} says which)
 * @param apiKey the key clients must send as {@code Authorization: Bearer KEY} on {@code /v1/...}, or null for none
 * @param maxBodyBytes request bodies larger than this are refused with 413
 * @param drainTimeout how long {@link OpenAiServer#close()} waits for running requests to finish
 */
public record ServerOptions(String host, int port, String apiKey, long maxBodyBytes, Duration drainTimeout) {
    public ServerOptions {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
        }
        if (apiKey != null && apiKey.isEmpty()) {
            throw new IllegalArgumentException("the API key must not be empty (null for none)");
        }
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("max body bytes must be >= 1, got " + maxBodyBytes);
        }
        if (drainTimeout.isNegative()) {
            throw new IllegalArgumentException("drain timeout must not be negative, got " + drainTimeout);
        }
    }

    /** 127.0.0.1:8080, no API key, bodies up to 8 MiB, 60 s to drain. */
    public static ServerOptions defaults() {
        return new ServerOptions("127.0.0.1", 8080, null, 8L << 20, Duration.ofSeconds(60));
    }

    public ServerOptions withHost(String h) {
        return new ServerOptions(h, port, apiKey, maxBodyBytes, drainTimeout);
    }

    public ServerOptions withPort(int p) {
        return new ServerOptions(host, p, apiKey, maxBodyBytes, drainTimeout);
    }

    public ServerOptions withApiKey(String key) {
        return new ServerOptions(host, port, key, maxBodyBytes, drainTimeout);
    }

    public ServerOptions withMaxBodyBytes(long n) {
        return new ServerOptions(host, port, apiKey, n, drainTimeout);
    }

    public ServerOptions withDrainTimeout(Duration d) {
        return new ServerOptions(host, port, apiKey, maxBodyBytes, d);
    }
}
