package io.cdnguard;

/** Lifetime CDN fetch count from one CDN edge location. */
public interface PopStats {

    /** The CDN. */
    Cdn cdn();

    /** The edge location's code as the CDN's headers give it (e.g. {@code "FRA"}), upper case. */
    String pop();

    /** CDN fetches from it since start. */
    long fetches();
}
