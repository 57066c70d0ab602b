package io.cdnguard.netty;

import io.cdnguard.HeaderSource;
import io.netty.handler.codec.Headers;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

/**
 * A reusable {@link HeaderSource} view of Netty's {@link HttpHeaders}: no copy, and for {@link
 * DefaultHttpHeaders} (what {@code HttpServerCodec} and the HTTP/2 conversion produce) no
 * allocation either, because it reads the {@code CharSequence} values from the unwrapped store
 * instead of going through {@link HttpHeaders#get(CharSequence)}, which converts to {@code String}.
 *
 * <p>Implementation notes: one instance per pending exchange and per message direction, written
 * and read only on the channel's event loop. Name lookups are case-insensitive in Netty's header
 * store; the names cdnguard looks up are mapped to {@link AsciiString} constants
 * ({@link #asciiName}) whose hash Netty does not recompute per lookup. Allocation-free and
 * lock-free: the constants are static finals built at class initialisation.
 */
final class NettyHeaderSource implements HeaderSource {

    private static final boolean HAS_UNWRAP = hasUnwrap();

    // At most one of the two is non-null: the unwrapped store of DefaultHttpHeaders, else the
    // headers themselves. One reference store per set() that can cost a GC write barrier (a store of
    // null has none beyond the null test).
    private HttpHeaders headers;
    private Headers<CharSequence, CharSequence, ?> store;

    /** Points the view at {@code headers} ({@code null}: no headers). */
    void set(HttpHeaders headers) {
        if (HAS_UNWRAP && headers instanceof DefaultHttpHeaders) {
            this.store = ((DefaultHttpHeaders) headers).unwrap();
            this.headers = null;
        } else {
            this.headers = headers;
            this.store = null;
        }
    }

    /** Drops the reference to the headers. */
    void clear() {
        this.headers = null;
        this.store = null;
    }

    @Override
    public CharSequence get(String lowerCaseName) {
        CharSequence name = asciiName(lowerCaseName);
        Headers<CharSequence, CharSequence, ?> s = store;
        if (s != null) {
            return s.get(name);
        }
        HttpHeaders h = headers;
        return h == null ? null : h.get(name);
    }

    /**
     * The {@link AsciiString} constant for a header name cdnguard looks up, else the name itself.
     * Netty's header store hashes the name on every lookup; an {@code AsciiString} caches its
     * (case-insensitive) hash and compares bytes, a {@code String} is hashed char by char each time.
     * The names the record path asks for on nearly every exchange ({@code user-agent},
     * {@code cache-control}, {@code x-amz-cf-pop}, {@code cdn-loop}, {@code via}) are matched first by
     * identity with the core's interned literals, a compare each; other names, or the same names as
     * other {@code String} objects, go through a switch, which costs the name's cached {@link
     * String#hashCode()}, a binary search over the hashes and one identity-first {@link String#equals}.
     *
     * <p>What a hit then costs is Netty's name comparison: about 3 ns when the stored name is the
     * same constant (a hand-built message), about 10 ns when it is a name {@code HttpRequestDecoder}
     * made from the wire, whatever its case; a miss costs about 2 ns (no comparison, the hash
     * differs). Measured and not kept (JDK 17, Netty 4.2): keys spelled as senders do
     * ({@code User-Agent}, {@code X-Amz-Cf-Pop}) save about 1 ns per hit on such names and lose as much
     * on lower-case ones (HTTP/2) and the identity hit on constants; {@link HttpHeaders#get(CharSequence)}
     * with these keys costs more than the unwrapped store; a {@code String} key costs about 20 ns
     * per hit (hashed and compared char by char); walking the entries with our own comparison
     * costs more than Netty's hashed lookup.
     */
    static CharSequence asciiName(String lowerCaseName) {
        // The core asks with its string literals, which the JVM interns: the names of nearly every
        // record are matched by identity, in the order the record path asks for them (user agent,
        // POP, freshness), before the general switch (hash, a binary search, then equals).
        if (lowerCaseName == "user-agent") {
            return HttpHeaderNames.USER_AGENT;
        }
        if (lowerCaseName == "cache-control") {
            return HttpHeaderNames.CACHE_CONTROL;
        }
        if (lowerCaseName == "x-amz-cf-pop") {
            return X_AMZ_CF_POP;
        }
        if (lowerCaseName == "cdn-loop") {
            return CDN_LOOP;
        }
        if (lowerCaseName == "via") {
            return HttpHeaderNames.VIA;
        }
        return switchName(lowerCaseName);
    }

    private static CharSequence switchName(String lowerCaseName) {
        switch (lowerCaseName) {
            case "user-agent":
                return HttpHeaderNames.USER_AGENT;
            case "via":
                return HttpHeaderNames.VIA;
            case "cdn-loop":
                return CDN_LOOP;
            case "x-amz-cf-id":
                return X_AMZ_CF_ID;
            case "x-amz-cf-pop":
                return X_AMZ_CF_POP;
            case "cf-ray":
                return CF_RAY;
            case "fastly-ff":
                return FASTLY_FF;
            case "fastly-client-ip":
                return FASTLY_CLIENT_IP;
            case "x-served-by":
                return X_SERVED_BY;
            case "x-varnish":
                return X_VARNISH;
            case "akamai-origin-hop":
                return AKAMAI_ORIGIN_HOP;
            case "x-azure-ref":
                return X_AZURE_REF;
            case "x-azure-fdid":
                return X_AZURE_FDID;
            case "x-fd-healthprobe":
                return X_FD_HEALTHPROBE;
            case "x-cloud-trace-context":
                return X_CLOUD_TRACE_CONTEXT;
            case "if-none-match":
                return HttpHeaderNames.IF_NONE_MATCH;
            case "if-modified-since":
                return HttpHeaderNames.IF_MODIFIED_SINCE;
            case "cache-control":
                return HttpHeaderNames.CACHE_CONTROL;
            case "cdn-cache-control":
                return CDN_CACHE_CONTROL;
            case "cloudflare-cdn-cache-control":
                return CLOUDFLARE_CDN_CACHE_CONTROL;
            case "surrogate-control":
                return SURROGATE_CONTROL;
            case "expires":
                return HttpHeaderNames.EXPIRES;
            case "date":
                return HttpHeaderNames.DATE;
            default:
                return lowerCaseName;
        }
    }

    private static final AsciiString CDN_LOOP = AsciiString.cached("cdn-loop");
    private static final AsciiString X_AMZ_CF_ID = AsciiString.cached("x-amz-cf-id");
    private static final AsciiString X_AMZ_CF_POP = AsciiString.cached("x-amz-cf-pop");
    private static final AsciiString CF_RAY = AsciiString.cached("cf-ray");
    private static final AsciiString FASTLY_FF = AsciiString.cached("fastly-ff");
    private static final AsciiString FASTLY_CLIENT_IP = AsciiString.cached("fastly-client-ip");
    private static final AsciiString X_SERVED_BY = AsciiString.cached("x-served-by");
    private static final AsciiString X_VARNISH = AsciiString.cached("x-varnish");
    private static final AsciiString AKAMAI_ORIGIN_HOP = AsciiString.cached("akamai-origin-hop");
    private static final AsciiString X_AZURE_REF = AsciiString.cached("x-azure-ref");
    private static final AsciiString X_AZURE_FDID = AsciiString.cached("x-azure-fdid");
    private static final AsciiString X_FD_HEALTHPROBE = AsciiString.cached("x-fd-healthprobe");
    private static final AsciiString X_CLOUD_TRACE_CONTEXT = AsciiString.cached("x-cloud-trace-context");
    private static final AsciiString CDN_CACHE_CONTROL = AsciiString.cached("cdn-cache-control");
    private static final AsciiString CLOUDFLARE_CDN_CACHE_CONTROL = AsciiString.cached("cloudflare-cdn-cache-control");
    private static final AsciiString SURROGATE_CONTROL = AsciiString.cached("surrogate-control");

    private static boolean hasUnwrap() {
        try {
            DefaultHttpHeaders.class.getMethod("unwrap");
            return true;
        } catch (NoSuchMethodException | SecurityException e) {
            return false;
        }
    }
}
