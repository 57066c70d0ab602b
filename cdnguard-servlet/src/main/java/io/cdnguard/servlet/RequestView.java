package io.cdnguard.servlet;

import io.cdnguard.HeaderSource;
import jakarta.servlet.http.HttpServletRequest;

/**
 * The request side of one recorded exchange: its headers (the container's own case-insensitive
 * lookup) and, as a {@link CharSequence}, the client address, resolved only if the guard reads it
 * (only trusted-range recognition rules do; containers build that string on every call).
 *
 * <p>Implementation notes: one per request, created with the {@link RecordingResponse}. {@code
 * address} is a plain field filled on first use by the thread that records the exchange (the only
 * reader), so it needs no synchronisation.
 */
final class RequestView implements HeaderSource, CharSequence {

    private final HttpServletRequest request;
    private String address;

    RequestView(HttpServletRequest request) {
        this.request = request;
    }

    @Override
    public CharSequence get(String lowerCaseName) {
        return request.getHeader(lowerCaseName);
    }

    private String address() {
        String a = address;
        if (a == null) {
            a = request.getRemoteAddr();
            address = a = a == null ? "" : a;
        }
        return a;
    }

    @Override
    public int length() {
        return address().length();
    }

    @Override
    public char charAt(int index) {
        return address().charAt(index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return address().subSequence(start, end);
    }

    /** The client address. */
    @Override
    public String toString() {
        return address();
    }
}
