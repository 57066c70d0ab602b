package io.cdnguard.testing;

import io.cdnguard.CdnGuard;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Guards for a test on one manual clock, without an evaluation thread and with a short window
 * (10 s buckets, 6 of them); every guard made is closed by {@link #close()} (call it from
 * {@code @AfterEach}).
 */
public final class TestGuards implements AutoCloseable {

    /** The clock's start: 2023-11-14T22:13:20Z. */
    public static final long T0 = 1_700_000_000_000L;

    /** The clock every guard of this instance reads. */
    public final ManualTimeSource clock = new ManualTimeSource(T0);

    private final List<CdnGuard> guards = new ArrayList<>();

    /** A guard with the defaults above, then {@code config} applied to its builder. */
    public CdnGuard guard(Consumer<CdnGuard.Builder> config) {
        CdnGuard.Builder b = CdnGuard.builder().timeSource(clock).evaluationThread(false)
                .window(Duration.ofSeconds(10), 6);
        config.accept(b);
        CdnGuard g = b.build();
        guards.add(g);
        return g;
    }

    /** Closes every guard made. */
    @Override
    public void close() {
        guards.forEach(CdnGuard::close);
    }
}
