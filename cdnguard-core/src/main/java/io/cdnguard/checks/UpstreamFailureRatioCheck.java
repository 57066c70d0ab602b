package io.cdnguard.checks;

import io.cdnguard.Check;
import io.cdnguard.CheckResult;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.HealthStatus;
import io.cdnguard.RollingWindow;
import java.time.Duration;
import java.util.Objects;

/**
 * The built-in {@code upstream-failures} check: the ratio of upstream failures to backend exchanges
 * (failures included) over a short recent window, as a gateway sees them.
 *
 * <p>Defaults: window 1 min (6 buckets of the default 10 s; the window is rounded up to whole
 * buckets and includes the current, still filling bucket); at least 5 failures in the window before
 * the ratio counts at all, so one error on a quiet night does not page; {@link HealthStatus#DEGRADED}
 * above 10 %, {@link HealthStatus#DOWN} above 50 %. DOWN takes this origin out of a balancer's
 * rotation by default (503): when most of a gateway's own upstream exchanges fail, typically its
 * routing or its path to the backends is broken (the failure this library was written for), and
 * another gateway may still reach them.
 *
 * <p>Details: {@code failures}, {@code exchanges}, {@code ratio} (0..1), {@code windowSeconds}.
 *
 * <p>Stateless and thread-safe.
 */
public final class UpstreamFailureRatioCheck implements Check {

    /** The check's name. */
    public static final String NAME = "upstream-failures";

    private final long windowMillis;
    private final long minFailures;
    private final double degradedAbove;
    private final double downAbove;

    /** A check with the documented defaults: 1 min, at least 5 failures, DEGRADED above 10 %, DOWN above 50 %. */
    public UpstreamFailureRatioCheck() {
        this(builder());
    }

    private UpstreamFailureRatioCheck(Builder b) {
        this.windowMillis = b.window.toMillis();
        this.minFailures = b.minFailures;
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
        long failures = w.upstreamFailuresLast(n);
        return RatioWindow.result(w, n, failures, w.backendExchangesLast(n), minFailures, degradedAbove, downAbove,
                "%d upstream failures of %d backend exchanges in the last %s (below the minimum of %d)",
                "%.1f%% of backend exchanges failed upstream in the last %s (%d of %d)", "failures", "exchanges");
    }

    /** Configures an {@link UpstreamFailureRatioCheck}; validated in {@link #build()}. Not thread-safe. */
    public static final class Builder {
        private Duration window = Duration.ofMinutes(1);
        private long minFailures = 5;
        private double degradedAbove = 0.10;
        private double downAbove = 0.50;

        private Builder() {
        }

        /** The window; rounded up to whole buckets, capped at the guard's window. Default 1 min. */
        public Builder window(Duration window) {
            this.window = Objects.requireNonNull(window, "window");
            return this;
        }

        /** Fewer failures than this in the window are always UP. Default 5. */
        public Builder minFailures(long minFailures) {
            this.minFailures = minFailures;
            return this;
        }

        /** DEGRADED when the ratio is above this (0..1). Default 0.10. */
        public Builder degradedAbove(double ratio) {
            this.degradedAbove = ratio;
            return this;
        }

        /** DOWN when the ratio is above this (0..1; 1 means never DOWN). Default 0.50. */
        public Builder downAbove(double ratio) {
            this.downAbove = ratio;
            return this;
        }

        /** Builds the check; throws {@link IllegalArgumentException} naming a bad value. */
        public UpstreamFailureRatioCheck build() {
            RatioWindow.validate(window, minFailures, degradedAbove, downAbove);
            return new UpstreamFailureRatioCheck(this);
        }
    }
}
