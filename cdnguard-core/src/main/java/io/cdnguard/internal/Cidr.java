package io.cdnguard.internal;

/**
 * An IPv4 or IPv6 address range in CIDR notation, matched against textual client addresses.
 *
 * <p>{@link #parse} compiles a range once ({@code "130.176.0.0/16"}, {@code "2600:9000::/28"}, a
 * bare address meaning a single host); {@link #contains} then parses each client address text in
 * place and compares it with the masked network. Host bits set in the range text
 * ({@code 10.1.2.3/8}) are masked off rather than rejected.
 *
 * <p>Address text accepted by {@link #contains}: a dotted quad ({@code 1.2.3.4}, decimal octets
 * without leading zeros), optionally with a {@code :port}; IPv6 in any RFC 4291 form ({@code ::}
 * compression, an embedded dotted quad such as {@code ::ffff:192.0.2.1}), optionally in brackets
 * with a {@code :port} after them, optionally with a {@code %zone} (ignored). An IPv4-mapped IPv6
 * address ({@code ::ffff:a.b.c.d}) matches IPv4 ranges, and an IPv4 address matches IPv6 ranges as
 * its mapped form. Anything else, including {@code null}, is not contained.
 *
 * <h2>Implementation notes</h2>
 * Immutable after construction (final fields only), so instances are safely shared by any number of
 * threads without locks. {@link #contains} is allocation-free: the address is parsed with
 * {@link CharSequence#charAt} into two {@code long} halves held in local variables (two passes over
 * at most 64 characters), and never throws.
 */
public final class Cidr {

    /** Longest address text considered (an IPv6 address with zone and port fits easily). */
    private static final int MAX_ADDRESS = 64;

    private final boolean v6;
    private final int prefix;
    private final long netHi;
    private final long netLo;
    private final long maskHi;
    private final long maskLo;
    private final String text;

    private Cidr(boolean v6, int prefix, long hi, long lo, String text) {
        this.v6 = v6;
        this.prefix = prefix;
        int bits = v6 ? 128 : 32;
        int hiBits = Math.min(prefix, 64);
        int loBits = Math.max(prefix - 64, 0);
        long mHi = hiBits == 0 ? 0 : -1L << (64 - hiBits);
        long mLo = loBits == 0 ? 0 : -1L << (64 - loBits);
        if (!v6) {
            // IPv4 is held in the low 32 bits of lo
            mHi = 0;
            mLo = prefix == 0 ? 0 : (0xFFFF_FFFFL << (32 - prefix)) & 0xFFFF_FFFFL;
        }
        assert prefix <= bits;
        this.maskHi = mHi;
        this.maskLo = mLo;
        this.netHi = hi & mHi;
        this.netLo = lo & mLo;
        this.text = text;
    }

    /** Whether {@code cidr} is a valid IPv4 or IPv6 range ({@code address/prefix}, or a bare address). */
    public static boolean isValid(String cidr) {
        return parse(cidr) != null;
    }

    /**
     * Compiles a range.
     *
     * @param cidr e.g. {@code "130.176.0.0/16"}, {@code "2600:9000::/28"}, {@code "192.0.2.7"}
     * @return the range, or {@code null} if {@code cidr} is not valid
     */
    public static Cidr parse(String cidr) {
        if (cidr == null) {
            return null;
        }
        String t = cidr.trim();
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        if (addr.isEmpty() || addr.length() > MAX_ADDRESS) {
            return null;
        }
        boolean v6 = addr.indexOf(':') >= 0;
        int max = v6 ? 128 : 32;
        int prefix = max;
        if (slash >= 0) {
            String p = t.substring(slash + 1);
            if (p.isEmpty() || p.length() > 3) {
                return null;
            }
            prefix = 0;
            for (int i = 0; i < p.length(); i++) {
                char c = p.charAt(i);
                if (!Ascii.isDigit(c) || (i == 0 && c == '0' && p.length() > 1)) {
                    return null;
                }
                prefix = prefix * 10 + (c - '0');
            }
            if (prefix > max) {
                return null;
            }
        }
        if (v6) {
            if (!validV6(addr, 0, addr.length())) {
                return null;
            }
            return new Cidr(true, prefix, v6Hi(addr, 0, addr.length()), v6Lo(addr, 0, addr.length()), t);
        }
        long v4 = parseV4(addr, 0, addr.length());
        if (v4 < 0) {
            return null;
        }
        return new Cidr(false, prefix, 0, v4, t);
    }

    /** Whether this range is IPv6. */
    public boolean isIpv6() {
        return v6;
    }

    /** The prefix length. */
    public int prefixLength() {
        return prefix;
    }

    /**
     * Whether the textual address is inside this range. Allocation-free, never throws; invalid
     * text is not contained.
     */
    public boolean contains(CharSequence address) {
        if (address == null || address.length() > MAX_ADDRESS + 8) {
            return false;
        }
        int from = 0;
        int to = address.length();
        while (from < to && Ascii.isOws(address.charAt(from))) {
            from++;
        }
        while (to > from && Ascii.isOws(address.charAt(to - 1))) {
            to--;
        }
        if (from >= to) {
            return false;
        }
        // bracketed IPv6, optionally with :port after the bracket
        if (address.charAt(from) == '[') {
            int close = -1;
            for (int i = from + 1; i < to; i++) {
                if (address.charAt(i) == ']') {
                    close = i;
                    break;
                }
            }
            if (close < 0 || !portSuffix(address, close + 1, to)) {
                return false;
            }
            from++;
            to = close;
        }
        // zone id
        for (int i = from; i < to; i++) {
            if (address.charAt(i) == '%') {
                to = i;
                break;
            }
        }
        int colons = 0;
        int firstColon = -1;
        for (int i = from; i < to; i++) {
            if (address.charAt(i) == ':') {
                if (colons++ == 0) {
                    firstColon = i;
                }
            }
        }
        if (colons == 1) {
            // IPv4 with :port
            if (!portSuffix(address, firstColon, to)) {
                return false;
            }
            to = firstColon;
            colons = 0;
        }
        if (colons == 0) {
            long v4 = parseV4(address, from, to);
            if (v4 < 0) {
                return false;
            }
            if (!v6) {
                return (v4 & maskLo) == netLo;
            }
            // IPv4 against an IPv6 range: compare its IPv4-mapped form ::ffff:a.b.c.d
            return netHi == 0 && ((0xFFFF_0000_0000L | v4) & maskLo) == netLo;
        }
        if (!validV6(address, from, to)) {
            return false;
        }
        long hi = v6Hi(address, from, to);
        long lo = v6Lo(address, from, to);
        if (v6) {
            return (hi & maskHi) == netHi && (lo & maskLo) == netLo;
        }
        // IPv6 against an IPv4 range: only IPv4-mapped addresses can match
        if (hi != 0 || (lo >>> 32) != 0xFFFFL) {
            return false;
        }
        return (lo & 0xFFFF_FFFFL & maskLo) == netLo;
    }

    /** The range as given. */
    @Override
    public String toString() {
        return text;
    }

    private static boolean portSuffix(CharSequence s, int from, int to) {
        if (from == to) {
            return true;
        }
        if (s.charAt(from) != ':' || to - from < 2 || to - from > 6) {
            return false;
        }
        for (int i = from + 1; i < to; i++) {
            if (!Ascii.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** A dotted quad in s[from, to) as an unsigned 32-bit value, or -1. */
    static long parseV4(CharSequence s, int from, int to) {
        long v = 0;
        int octets = 0;
        int i = from;
        while (octets < 4) {
            int start = i;
            int o = 0;
            while (i < to && Ascii.isDigit(s.charAt(i)) && i - start < 3) {
                o = o * 10 + (s.charAt(i) - '0');
                i++;
            }
            int len = i - start;
            if (len == 0 || o > 255 || (len > 1 && s.charAt(start) == '0')) {
                return -1;
            }
            v = (v << 8) | o;
            octets++;
            if (octets < 4) {
                if (i >= to || s.charAt(i) != '.') {
                    return -1;
                }
                i++;
            }
        }
        return i == to ? v : -1;
    }

    /**
     * Validates IPv6 text in s[from, to): 1-4 hex digit groups, at most one {@code ::}, an optional
     * trailing dotted quad counting as two groups, eight groups in all (fewer only with {@code ::}).
     */
    static boolean validV6(CharSequence s, int from, int to) {
        if (to - from < 2 || to - from > 45) {
            return false;
        }
        int groups = 0;
        boolean compressed = false;
        int i = from;
        if (s.charAt(i) == ':') {
            if (s.charAt(i + 1) != ':') {
                return false;
            }
            compressed = true;
            i += 2;
            if (i == to) {
                return true; // "::"
            }
        }
        while (i < to) {
            int start = i;
            while (i < to && Ascii.isHex(s.charAt(i)) && i - start < 5) {
                i++;
            }
            int len = i - start;
            if (i < to && s.charAt(i) == '.') {
                // embedded IPv4: must be the last part
                if (parseV4(s, start, to) < 0) {
                    return false;
                }
                groups += 2;
                i = to;
                break;
            }
            if (len == 0 || len > 4) {
                return false;
            }
            groups++;
            if (i == to) {
                break;
            }
            if (s.charAt(i) != ':') {
                return false;
            }
            i++;
            if (i == to) {
                return false; // trailing single colon
            }
            if (s.charAt(i) == ':') {
                if (compressed) {
                    return false;
                }
                compressed = true;
                i++;
                if (i == to) {
                    break; // trailing "::"
                }
            }
        }
        return compressed ? groups <= 7 : groups == 8;
    }

    /** The high 64 bits of valid IPv6 text. */
    private static long v6Hi(CharSequence s, int from, int to) {
        return v6Half(s, from, to, true);
    }

    /** The low 64 bits of valid IPv6 text. */
    private static long v6Lo(CharSequence s, int from, int to) {
        return v6Half(s, from, to, false);
    }

    /**
     * Shifts the 8 groups of valid IPv6 text through a 128-bit register (hi, lo), inserting the
     * zero groups of {@code ::} where it occurs, and returns one half. Two passes: count, then fill.
     */
    private static long v6Half(CharSequence s, int from, int to, boolean high) {
        int groups = 0;
        for (int i = from; i < to; ) {
            char c = s.charAt(i);
            if (Ascii.isHex(c)) {
                while (i < to && Ascii.isHex(s.charAt(i))) {
                    i++;
                }
                if (i < to && s.charAt(i) == '.') {
                    groups += 2;
                    break;
                }
                groups++;
            } else {
                i++;
            }
        }
        long hi = 0;
        long lo = 0;
        int i = from;
        while (i < to) {
            char c = s.charAt(i);
            if (c == ':') {
                if (i + 1 < to && s.charAt(i + 1) == ':') {
                    for (int z = 0; z < 8 - groups; z++) {
                        hi = (hi << 16) | (lo >>> 48);
                        lo = lo << 16;
                    }
                    i += 2;
                } else {
                    i++;
                }
                continue;
            }
            int start = i;
            int g = 0;
            while (i < to && Ascii.isHex(s.charAt(i))) {
                g = (g << 4) | Character.digit(s.charAt(i), 16);
                i++;
            }
            if (i < to && s.charAt(i) == '.') {
                long v4 = parseV4(s, start, to);
                hi = (hi << 32) | (lo >>> 32);
                lo = (lo << 32) | v4;
                break;
            }
            hi = (hi << 16) | (lo >>> 48);
            lo = (lo << 16) | g;
        }
        return high ? hi : lo;
    }
}
