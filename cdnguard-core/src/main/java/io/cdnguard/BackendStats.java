package io.cdnguard;

/** Lifetime counts of one upstream backend, as seen by a gateway. */
public interface BackendStats {

    /** The backend's name. */
    String name();

    /** Whether it was declared in the canonical configuration ({@link CdnGuard.Builder#expectBackend}). */
    boolean expected();

    /** Exchanges that named this backend, failures included, since start. */
    long exchanges();

    /** Upstream failures of one kind on this backend since start. */
    long failures(UpstreamFailure kind);

    /** All upstream failures on this backend since start. */
    long failures();
}
