package io.cdnguard;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The immutable outcome of one {@link Check}: a status, a message for people and details (numbers
 * and short strings) for the health document.
 */
public final class CheckResult {

    private final HealthStatus status;
    private final String message;
    private final Map<String, Object> details;

    private CheckResult(HealthStatus status, String message, Map<String, Object> details) {
        this.status = Objects.requireNonNull(status, "status");
        this.message = message == null ? "" : message;
        this.details = details;
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
        Map<String, Object> copy = new LinkedHashMap<>(details);
        copy.put(Objects.requireNonNull(key, "key"), value);
        return new CheckResult(status, message, Collections.unmodifiableMap(copy));
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
        return details;
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
        return status == that.status && message.equals(that.message) && details.equals(that.details);
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, message, details);
    }

    @Override
    public String toString() {
        return status + (message.isEmpty() ? "" : " " + message) + (details.isEmpty() ? "" : " " + details);
    }
}
