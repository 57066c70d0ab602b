package io.cdnguard;

/**
 * The status of one check or of the whole origin. Ordered from best to worst; the overall status is
 * the worst of the checks.
 */
public enum HealthStatus {
    /** Everything as expected. */
    UP("pass"),
    /** Something is wrong but the origin still serves; an alarm for people, not for a balancer. */
    DEGRADED("warn"),
    /** The origin cannot serve; a balancer should take it out of rotation. */
    DOWN("fail");

    private final String apiStatus;

    HealthStatus(String apiStatus) {
        this.apiStatus = apiStatus;
    }

    /** The status word of the IETF health-check response format: pass, warn or fail. */
    public String apiStatus() {
        return apiStatus;
    }

    /** Returns the worse of this and {@code other}. */
    public HealthStatus worst(HealthStatus other) {
        return other.ordinal() > ordinal() ? other : this;
    }

    /** The numeric value exported as {@code cdnguard_check_status}: 0 UP, 1 DEGRADED, 2 DOWN. */
    public int code() {
        return ordinal();
    }
}
