package io.cdnguard;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The immutable outcome of one {@link Check}: a status, a message for people and details (numbers
 * and short strings) for the health document.
 *
 * <p>Implementation note: {@link #withDetail} does not copy the details; it links the new pair to
 * this result, and {@link #details()} builds the map on first use (then keeps it, in a volatile
 * field: a race only builds the same map twice). So a check that adds {@code n} details pays
 * {@code n} small objects, not {@code n} map copies, and nothing at all when nobody reads them.
 * A check evaluated often can go further with {@link #of(HealthStatus, String, Supplier)}: one
 * object per result, and the details computed only when read (a health request, a listener).
 */
public final class CheckResult {

    private final HealthStatus status;
    private final String message;
    /** The result this one adds a detail to, or {@code null} for a result made by {@link #of}. */
    private final CheckResult parent;
    private final String key;
    private final Object value;
    /** The details as a map: set at construction for a root, built on first use otherwise. */
    private volatile Map<String, Object> details;
    /** For a root made by {@link #of(HealthStatus, String, Supplier)}: computes its details on first use. */
    private final Supplier<? extends Map<String, ?>> source;

    private CheckResult(HealthStatus status, String message, Map<String, Object> details) {
        this.status = Objects.requireNonNull(status, "status");
        this.message = message == null ? "" : message;
        this.parent = null;
        this.key = null;
        this.value = null;
        this.details = details;
        this.source = null;
    }

    private CheckResult(HealthStatus status, String message, Supplier<? extends Map<String, ?>> source) {
        this.status = Objects.requireNonNull(status, "status");
        this.message = message == null ? "" : message;
        this.parent = null;
        this.key = null;
        this.value = null;
        this.source = Objects.requireNonNull(source, "details");
    }

    private CheckResult(CheckResult parent, String key, Object value) {
        this.status = parent.status;
        this.message = parent.message;
        this.parent = parent;
        this.key = key;
        this.value = value;
        this.source = null;
    }

    /** A result with no details. */
    public static CheckResult of(HealthStatus status, String message) {
        return new CheckResult(status, message, Collections.emptyMap());
    }

    /**
     * A result whose details are computed on first use, by {@code details}: for a check whose
     * details are many and read rarely, it costs one object per evaluation instead of one per
     * detail. The supplier must be side-effect free and return the same entries (in order) on every
     * call: a race between two readers may call it twice. It should capture only values that never
     * change afterwards (for example a result object the check does not reuse). A {@code null} map
     * counts as no details. It should not throw: if it does, the details read {@code detailsError} and the
     * exception's text instead (details are read on a health request's thread, which must not fail).
     * Further details can be added with {@link #withDetail}.
     *
     * @param status the status
     * @param message the message ({@code null} counts as empty)
     * @param details computes the details, in the order they are reported
     * @return the result
     */
    public static CheckResult of(HealthStatus status, String message, Supplier<? extends Map<String, ?>> details) {
        return new CheckResult(status, message, details);
    }

    /** An {@link HealthStatus#UP} result. */
    public static CheckResult up(String message) {
        return of(HealthStatus.UP, message);
    }

    /** A {@link HealthStatus#DEGRADED} result. */
    public static CheckResult degraded(String message) {
        return of(HealthStatus.DEGRADED, message);
    }

    /** A {@link HealthStatus#DOWN} result. */
    public static CheckResult down(String message) {
        return of(HealthStatus.DOWN, message);
    }

    /**
     * Returns a copy with one more detail. Values should be numbers, booleans or short strings;
     * insertion order is kept in the output.
     */
    public CheckResult withDetail(String key, Object value) {
        return new CheckResult(this, Objects.requireNonNull(key, "key"), value);
    }

    /** The status. */
    public HealthStatus status() {
        return status;
    }

    /** A one-line explanation for people; never {@code null}. */
    public String message() {
        return message;
    }

    /** Details, in insertion order; unmodifiable. */
    public Map<String, Object> details() {
        Map<String, Object> d = details;
        if (d == null) {
            d = buildDetails();
            details = d;
        }
        return d;
    }

    /**
     * A lazy root's map from its supplier; otherwise the nearest ancestor's map with the pairs added
     * since, in the order they were added.
     */
    private Map<String, Object> buildDetails() {
        if (parent == null) {
            Map<String, ?> m;
            try {
                m = source.get();
            } catch (RuntimeException e) {
                // read on a health request's thread, outside the evaluator's guard: a broken supplier
                // must not fail the host's request (a check that throws while evaluating is DEGRADED)
                return Map.of("detailsError", String.valueOf(e));
            }
            return m == null || m.isEmpty() ? Collections.emptyMap() : Collections.unmodifiableMap(new LinkedHashMap<>(m));
        }
        int n = 0;
        CheckResult r = this;
        while (r.details == null && r.parent != null) {
            n++;
            r = r.parent;
        }
        CheckResult[] added = new CheckResult[n];
        r = this;
        for (int i = n - 1; i >= 0; i--) {
            added[i] = r;
            r = r.parent;
        }
        Map<String, Object> copy = new LinkedHashMap<>(r.details()); // a lazy root builds its own here
        for (CheckResult a : added) {
            copy.put(a.key, a.value);
        }
        return Collections.unmodifiableMap(copy);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof CheckResult)) {
            return false;
        }
        CheckResult that = (CheckResult) o;
        return status == that.status && message.equals(that.message) && details().equals(that.details());
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, message, details());
    }

    @Override
    public String toString() {
        Map<String, Object> d = details();
        return status + (message.isEmpty() ? "" : " " + message) + (d.isEmpty() ? "" : " " + d);
    }
}
