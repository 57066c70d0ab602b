package io.cdnguard.internal;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one fuzz try on a helper thread and fails it if it has not finished within a generous
 * limit: jqwik properties have no {@code @Timeout}, and a hang (an unbounded scan of a hostile
 * header) must fail the build rather than stall it. Not a timing assertion: the limit is orders of
 * magnitude above the expected cost of one try.
 */
final class Bounded {

    /** Far above the cost of any single try (microseconds to milliseconds). */
    static final long LIMIT_SECONDS = 30;

    private static final ExecutorService RUNNER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fuzz-bounded");
        t.setDaemon(true);
        return t;
    });

    private Bounded() {
    }

    /** Calls {@code c}, rethrowing what it throws; an {@link AssertionError} if it runs past the limit. */
    static <T> T call(Callable<T> c) {
        Future<T> f = RUNNER.submit(c);
        try {
            return f.get(LIMIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new AssertionError("did not finish within " + LIMIT_SECONDS + " s: unbounded work on hostile input");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            throw new AssertionError(cause);
        }
    }

    /** As {@link #call} for a body without a result. */
    static void run(Runnable r) {
        call(() -> {
            r.run();
            return null;
        });
    }
}
