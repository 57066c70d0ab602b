package io.cdnguard.netty;

import io.cdnguard.HeaderSource;
import io.netty.handler.codec.Headers;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * A reusable {@link HeaderSource} view of Netty's {@link HttpHeaders}: no copy, and for {@link
 * DefaultHttpHeaders} (what {@code HttpServerCodec} and the HTTP/2 conversion produce) no
 * allocation either, because it reads the {@code CharSequence} values from the unwrapped store
 * instead of going through {@link HttpHeaders#get(CharSequence)}, which converts to {@code String}.
 *
 * <p>Implementation notes: one instance per pending exchange and per message direction, written
 * and read only on the channel's event loop. Name lookups are case-insensitive in Netty's header
 * store.
 */
final class NettyHeaderSource implements HeaderSource {

    private static final boolean HAS_UNWRAP = hasUnwrap();

    private HttpHeaders headers;
    private Headers<CharSequence, CharSequence, ?> store;

    /** Points the view at {@code headers} ({@code null}: no headers). */
    void set(HttpHeaders headers) {
        this.headers = headers;
        this.store = HAS_UNWRAP && headers instanceof DefaultHttpHeaders ? ((DefaultHttpHeaders) headers).unwrap() : null;
    }

    /** Drops the reference to the headers. */
    void clear() {
        this.headers = null;
        this.store = null;
    }

    /** The headers viewed, or {@code null}. */
    HttpHeaders headers() {
        return headers;
    }

    @Override
    public CharSequence get(String lowerCaseName) {
        Headers<CharSequence, CharSequence, ?> s = store;
        if (s != null) {
            return s.get(lowerCaseName);
        }
        HttpHeaders h = headers;
        return h == null ? null : h.get(lowerCaseName);
    }

    private static boolean hasUnwrap() {
        try {
            DefaultHttpHeaders.class.getMethod("unwrap");
            return true;
        } catch (NoSuchMethodException | SecurityException e) {
            return false;
        }
    }
}
