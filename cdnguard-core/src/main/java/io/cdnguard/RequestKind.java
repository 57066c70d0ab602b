package io.cdnguard;

/** What sent a request, as recognised from its headers. {@link #label()} is the metric label. */
public enum RequestKind {
    /** A fetch by a CDN (a cache fill or revalidation). */
    CDN("cdn"),
    /** A load-balancer or orchestrator health probe (ELB-HealthChecker, kube-probe, HAProxy, ...). */
    PROBE("probe"),
    /** Anything else: browsers, crawlers, scanners, direct hits. */
    DIRECT("direct"),
    /** cdnguard's own endpoints. */
    SELF("self");

    private final String label;

    RequestKind(String label) {
        this.label = label;
    }

    /** The lower-case metric label. */
    public String label() {
        return label;
    }
}
