package io.cdnguard.testing;

import io.cdnguard.CdnGuard;

/**
 * A sample origin (netty-origin, jetty-origin) started by a test on a real loopback port: what the
 * shared sample scenarios need of it, whichever server it runs on.
 *
 * @param port  the port it listens on
 * @param guard the guard it records into
 * @param stop  stops it (idempotent)
 */
public record RunningOrigin(int port, CdnGuard guard, Runnable stop) implements AutoCloseable {

    /** Stops the origin. */
    @Override
    public void close() {
        stop.run();
    }

    /** Starts a sample origin from its command-line arguments. */
    @FunctionalInterface
    public interface Starter {
        /** Starts the origin as its {@code main} would with {@code args}. */
        RunningOrigin start(String... args) throws Exception;
    }
}
