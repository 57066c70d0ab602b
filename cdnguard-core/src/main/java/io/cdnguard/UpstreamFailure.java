package io.cdnguard;

import java.util.Locale;

/** Why a gateway could not get a response from a backend. {@link #label()} is the metric label. */
public enum UpstreamFailure {
    /** The backend refused the connection. */
    CONNECT_REFUSED("connect_refused"),
    /** Connecting to the backend timed out. */
    CONNECT_TIMEOUT("connect_timeout"),
    /** The connection was reset or closed before a response. */
    RESET("reset"),
    /** No backend was available or configured for the request. */
    NO_BACKEND("no_backend"),
    /** The backend answered too slowly. */
    READ_TIMEOUT("read_timeout"),
    /** The gateway answered 502 for another reason. */
    BAD_GATEWAY("bad_gateway"),
    /** The gateway answered 503 for another reason. */
    UNAVAILABLE("unavailable"),
    /** The gateway answered 504 for another reason. */
    GATEWAY_TIMEOUT("gateway_timeout"),
    /** Anything else. */
    OTHER("other");

    private static final UpstreamFailure[] VALUES = values();

    private final String label;

    UpstreamFailure(String label) {
        this.label = label;
    }

    /** The lower-case label used in metrics and traces, e.g. {@code "connect_refused"}. */
    public String label() {
        return label;
    }

    /**
     * Returns the failure named by a trace's {@code error} field or a label, or {@link #OTHER} for an
     * unknown non-empty name, or {@code null} for {@code null} or empty input. Never throws.
     */
    public static UpstreamFailure fromLabel(CharSequence name) {
        if (name == null || name.length() == 0) {
            return null;
        }
        for (UpstreamFailure f : VALUES) {
            if (f.label.contentEquals(name)) {
                return f;
            }
        }
        String s = name.toString().toLowerCase(Locale.ROOT).replace('-', '_');
        for (UpstreamFailure f : VALUES) {
            if (f.label.equals(s)) {
                return f;
            }
        }
        return OTHER;
    }

    /** The failure implied by a gateway status alone: 502, 503 and 504 map; others {@code null}. */
    public static UpstreamFailure fromStatus(int status) {
        switch (status) {
            case 502: return BAD_GATEWAY;
            case 503: return UNAVAILABLE;
            case 504: return GATEWAY_TIMEOUT;
            default: return null;
        }
    }
}
