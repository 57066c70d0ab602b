package io.cdnguard.servlet;

import io.cdnguard.Exchange;

/** An immutable copy of what the filter reported for one exchange. */
record Captured(String method, String path, int status, long bytes, long durationNanos, boolean aborted,
        boolean conditional, String cacheControl, String cdnId, String clientAddress, boolean marker, boolean wrapped,
        String backend, io.cdnguard.UpstreamFailure failure) {

    static Captured of(Exchange e) {
        return new Captured(e.method(), str(e.path()), e.status(), e.responseBytes(), e.durationNanos(), e.aborted(),
                e.conditional(), str(e.responseHeaders().get("cache-control")), str(e.requestHeaders().get("x-amz-cf-id")),
                str(e.clientAddress()), e.requestHeaders().get("x-test-marker") != null, e instanceof RecordingResponse,
                e.backend(), e.failure());
    }

    private static String str(CharSequence s) {
        return s == null ? null : s.toString();
    }
}
