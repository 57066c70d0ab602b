package io.cdnguard.checks;

import io.cdnguard.Check;
import io.cdnguard.CheckResult;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.HealthStatus;
import io.cdnguard.RollingWindow;
import io.cdnguard.StatusClass;
import java.time.Duration;
import java.util.Objects;

/**
 * The built-in {@code cdn-errors} check: the ratio of 5xx responses among the CDN fetches this origin
 * served over a short recent window.
 *
 * <p>Defaults: window 1 min (rounded up to whole buckets, including the current one); at least 5
 * errors in the window before the ratio counts, so one error on a quiet night does not page;
 * {@link HealthStatus#DEGRADED} above 5 %; <b>never {@link HealthStatus#DOWN} by default</b>.
 *
 * <p>Why never DOWN by default: DOWN answers 503 to the balancer, which takes the origin out of
 * rotation. 5xx answers to a CDN usually come from something every origin behind that balancer
 * shares (a broken deploy, a dependency, one bad asset the CDN keeps retrying), so every origin would
 * turn DOWN in the same minute and a partial error would become a total outage, while taking them
 * out fixes nothing. Whether this process can serve at all is the balancer's own probe's question.
 * Set {@link Builder#downAbove(double)} (for example 0.5) where origins fail independently.
 *
 * <p>Details: {@code errors}, {@code fetches}, {@code ratio} (0..1), {@code windowSeconds}.
 *
 * <p>Stateless and thread-safe.
 */
public final class CdnErrorRatioCheck implements Check {

    /** The check's name. */
    public static final String NAME = "cdn-errors";

    /** The {@code downAbove} value that disables DOWN (a ratio never exceeds 1). */
    public static final double NEVER = 1.0;

    private final long windowMillis;
    private final long minErrors;
    private final double degradedAbove;
    private final double downAbove;

    /** A check with the documented defaults: 1 min, at least 5 errors, DEGRADED above 5 %, never DOWN. */
    public CdnErrorRatioCheck() {
        this(builder());
    }

    private CdnErrorRatioCheck(Builder b) {
        this.windowMillis = b.window.toMillis();
        this.minErrors = b.minErrors;
        this.degradedAbove = b.degradedAbove;
        this.downAbove = b.downAbove;
    }

    /** Starts a builder with the documented defaults. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CheckResult evaluate(GuardSnapshot snapshot) {
        RollingWindow w = snapshot.window();
        int n = RatioWindow.buckets(w, windowMillis);
        long errors = w.cdnFetchesLast(n, StatusClass.SERVER_ERROR);
        return RatioWindow.result(w, n, errors, w.cdnFetchesLast(n), minErrors, degradedAbove, downAbove,
                "%d CDN fetches answered 5xx of %d in the last %s (below the minimum of %d)",
                "%.1f%% of CDN fetches answered 5xx in the last %s (%d of %d)", "errors", "fetches");
    }

    /** Configures a {@link CdnErrorRatioCheck}; validated in {@link #build()}. Not thread-safe. */
    public static final class Builder {
        private Duration window = Duration.ofMinutes(1);
        private long minErrors = 5;
        private double degradedAbove = 0.05;
        private double downAbove = NEVER;

        private Builder() {
        }

        /** The window; rounded up to whole buckets, capped at the guard's window. Default 1 min. */
        public Builder window(Duration window) {
            this.window = Objects.requireNonNull(window, "window");
            return this;
        }

        /** Fewer 5xx answers than this in the window are always UP. Default 5. */
        public Builder minErrors(long minErrors) {
            this.minErrors = minErrors;
            return this;
        }

        /** DEGRADED when the ratio is above this (0..1). Default 0.05. */
        public Builder degradedAbove(double ratio) {
            this.degradedAbove = ratio;
            return this;
        }

        /** DOWN when the ratio is above this (0..1). Default {@link CdnErrorRatioCheck#NEVER} (1.0): never DOWN. */
        public Builder downAbove(double ratio) {
            this.downAbove = ratio;
            return this;
        }

        /** Builds the check; throws {@link IllegalArgumentException} naming a bad value. */
        public CdnErrorRatioCheck build() {
            RatioWindow.validate(window, minErrors, degradedAbove, downAbove);
            return new CdnErrorRatioCheck(this);
        }
    }
}
