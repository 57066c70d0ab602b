package io.cdnguard;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The immutable outcome of one {@link Check}: a status, a message for people and details (numbers
 * and short strings) for the health document.
 *
 * <p>Implementation note: {@link #withDetail} does not copy the details; it links the new pair to
 * this result, and {@link #details()} builds the map on first use (then keeps it, in a volatile
 * field: a race only builds the same map twice). So a check that adds {@code n} details pays
 * {@code n} small objects, not {@code n} map copies, and nothing at all when nobody reads them.
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

    private CheckResult(HealthStatus status, String message, Map<String, Object> details) {
        this.status = Objects.requireNonNull(status, "status");
        this.message = message == null ? "" : message;
        this.parent = null;
        this.key = null;
        this.value = null;
        this.details = details;
    }

    private CheckResult(CheckResult parent, String key, Object value) {
        this.status = parent.status;
        this.message = parent.message;
        this.parent = parent;
        this.key = key;
        this.value = value;
    }

    /** A result with no details. */
    public static CheckResult of(HealthStatus status, String message) {
        return new CheckResult(status, message, Collections.emptyMap());
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

    /** The nearest ancestor's map with the pairs added since, in the order they were added. */
    private Map<String, Object> buildDetails() {
        int n = 0;
        CheckResult r = this;
        while (r.details == null) {
            n++;
            r = r.parent;
        }
        CheckResult[] added = new CheckResult[n];
        r = this;
        for (int i = n - 1; i >= 0; i--) {
            added[i] = r;
            r = r.parent;
        }
        Map<String, Object> copy = new LinkedHashMap<>(r.details);
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
