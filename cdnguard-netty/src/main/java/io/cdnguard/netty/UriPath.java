package io.cdnguard.netty;

import java.util.Objects;

/**
 * A reusable, allocation-free {@link CharSequence} view of the path part of a request target: the
 * characters of the URI string between the start of the path and the first {@code '?'} or {@code
 * '#'}. Handles origin-form ({@code /a/b?q}), absolute-form ({@code http://host/a?q}) and {@code *}.
 *
 * <p>Implementation notes: one instance per pending exchange, written and read only on the
 * channel's event loop; {@link #set(String)} finds the path's end with two {@link
 * String#indexOf(int, int)} calls and keeps the string and two indices, so no substring is created
 * unless someone calls {@link #toString()} or {@link #subSequence(int, int)}.
 */
final class UriPath implements CharSequence {

    private static final String ROOT = "/";

    private String uri = ROOT;
    private int start;
    private int end = 1;

    /** Points this view at the path of {@code uri}; {@code null} or a target without a path reads as {@code /}. */
    UriPath set(String uri) {
        if (uri == null || uri.isEmpty()) {
            return root();
        }
        int s = 0;
        int len = uri.length();
        char c0 = uri.charAt(0);
        if (c0 != '/' && c0 != '*') {
            // absolute-form: scheme "://" authority path
            int scheme = uri.indexOf("://");
            if (scheme < 0) {
                s = 0;
            } else {
                int slash = -1;
                for (int i = scheme + 3; i < len; i++) {
                    char c = uri.charAt(i);
                    if (c == '/') {
                        slash = i;
                        break;
                    }
                    if (c == '?' || c == '#') {
                        break;
                    }
                }
                if (slash < 0) {
                    return root();
                }
                s = slash;
            }
        }
        // String's own indexOf (an intrinsic that compares many characters at once) rather than a
        // loop testing each character for either: request targets carry no fragment, so the '#'
        // search scans once over a string already in cache and finds nothing.
        int e = uri.indexOf('?', s);
        if (e < 0) {
            e = len;
        }
        int hash = uri.indexOf('#', s);
        if (hash >= 0 && hash < e) {
            e = hash;
        }
        if (e == s) {
            return root();
        }
        this.uri = uri;
        this.start = s;
        this.end = e;
        return this;
    }

    /**
     * Drops the reference to the last URI (storing {@code null} costs no GC barrier, unlike storing
     * the {@code "/"} constant); the view then reads as the empty sequence until the next {@link
     * #set(String)} or {@link #root()}.
     */
    UriPath release() {
        this.uri = null;
        this.start = 0;
        this.end = 0;
        return this;
    }

    /** Resets to {@code /}, dropping the reference to the last URI. */
    UriPath root() {
        this.uri = ROOT;
        this.start = 0;
        this.end = 1;
        return this;
    }

    @Override
    public int length() {
        return end - start;
    }

    @Override
    public char charAt(int index) {
        return uri.charAt(start + Objects.checkIndex(index, end - start));
    }

    @Override
    public CharSequence subSequence(int from, int to) {
        return toString().subSequence(from, to);
    }

    /** Whether the path equals {@code s} exactly. Allocation-free. */
    boolean contentEquals(String s) {
        String u = uri;
        return u == null ? s.isEmpty() : u.regionMatches(start, s, 0, s.length()) && s.length() == end - start;
    }

    @Override
    public String toString() {
        String u = uri;
        if (u == null) {
            return "";
        }
        return start == 0 && end == u.length() ? u : u.substring(start, end);
    }
}
