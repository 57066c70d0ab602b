package io.cdnguard;

/** HTTP status classes; {@link #label()} is the metric label ({@code "2xx"}). */
public enum StatusClass {
    /** 1xx. */
    INFORMATIONAL("1xx"),
    /** 2xx. */
    SUCCESS("2xx"),
    /** 3xx, including 304 revalidations. */
    REDIRECTION("3xx"),
    /** 4xx. */
    CLIENT_ERROR("4xx"),
    /** 5xx. */
    SERVER_ERROR("5xx");

    private static final StatusClass[] VALUES = values();

    private final String label;

    StatusClass(String label) {
        this.label = label;
    }

    /** The metric label, e.g. {@code "5xx"}. */
    public String label() {
        return label;
    }

    /**
     * Returns the class of a status code, or {@code null} if the code is outside 100..599.
     * Allocation-free.
     */
    public static StatusClass of(int status) {
        if (status < 100 || status > 599) {
            return null;
        }
        return VALUES[status / 100 - 1];
    }
}
