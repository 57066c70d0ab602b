package io.cdnguard.internal;

/** CIDR range parsing and matching on textual addresses. Placeholder: the recognition work completes it. */
public final class Cidr {
    private Cidr() {
    }

    /** Whether {@code cidr} is a valid IPv4 or IPv6 range. */
    public static boolean isValid(String cidr) {
        return cidr.indexOf('/') > 0;
    }
}
