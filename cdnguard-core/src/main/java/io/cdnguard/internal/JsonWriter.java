package io.cdnguard.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;

/**
 * A small JSON writer for cdnguard's health document: strings, numbers, booleans, {@code null},
 * nested maps and lists. Not API.
 *
 * <p>Escaping: {@code "} and {@code \} are backslash-escaped; every control character (below
 * U+0020, and U+007F), U+2028, U+2029 and unpaired surrogates are written as {@code \}{@code uXXXX};
 * {@code <}, {@code >} and {@code &} are written as {@code \}{@code u003c}, {@code \}{@code u003e} and
 * {@code \}{@code u0026}, so the output can be embedded in HTML and {@code </script>} never appears in
 * it. Non-finite numbers ({@code NaN}, infinities) are written as {@code null}. Any other object is
 * written as the JSON string of its {@code toString()}. Nesting deeper than {@link #MAX_DEPTH}
 * (for example a map containing itself) is written as {@code null}.
 *
 * <p>Not thread-safe; one instance per document.
 */
final class JsonWriter {

    /** Deepest nesting written; deeper values become {@code null}. */
    static final int MAX_DEPTH = 16;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final StringBuilder out;

    JsonWriter(StringBuilder out) {
        this.out = out;
    }

    /** Writes any supported value. */
    JsonWriter value(Object v) {
        return value(v, 0);
    }

    private JsonWriter value(Object v, int depth) {
        if (v == null || depth > MAX_DEPTH) {
            out.append("null");
        } else if (v instanceof CharSequence) {
            string((CharSequence) v);
        } else if (v instanceof Boolean) {
            out.append(((Boolean) v).booleanValue() ? "true" : "false");
        } else if (v instanceof Number) {
            number((Number) v);
        } else if (v instanceof Map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                string(String.valueOf(e.getKey()));
                out.append(':');
                value(e.getValue(), depth + 1);
            }
            out.append('}');
        } else if (v instanceof Iterable) {
            out.append('[');
            boolean first = true;
            for (Object o : (Iterable<?>) v) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                value(o, depth + 1);
            }
            out.append(']');
        } else if (v instanceof Object[]) {
            out.append('[');
            Object[] a = (Object[]) v;
            for (int i = 0; i < a.length; i++) {
                if (i > 0) {
                    out.append(',');
                }
                value(a[i], depth + 1);
            }
            out.append(']');
        } else if (v instanceof Enum) {
            string(((Enum<?>) v).name());
        } else {
            string(String.valueOf(v));
        }
        return this;
    }

    /** Writes a number; non-finite values as {@code null}. */
    JsonWriter number(Number n) {
        if (n instanceof Double || n instanceof Float) {
            double d = n.doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                out.append("null");
            } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                out.append((long) d);
            } else {
                out.append(d);
            }
        } else if (n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte
                || n instanceof BigInteger) {
            out.append(n.toString());
        } else if (n instanceof BigDecimal) {
            out.append(((BigDecimal) n).toString());
        } else {
            double d = n.doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                out.append("null");
            } else {
                out.append(d);
            }
        }
        return this;
    }

    /** Writes a quoted, escaped string. */
    JsonWriter string(CharSequence s) {
        out.append('"');
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    out.append("\\\"");
                    break;
                case '\\':
                    out.append("\\\\");
                    break;
                case '<':
                case '>':
                case '&':
                case '\u2028':
                case '\u2029':
                case '\u007f':
                    unicode(c);
                    break;
                default:
                    if (c < 0x20) {
                        unicode(c);
                    } else if (Character.isHighSurrogate(c)) {
                        if (i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                            out.append(c).append(s.charAt(i + 1));
                            i++;
                        } else {
                            unicode(c);
                        }
                    } else if (Character.isLowSurrogate(c)) {
                        unicode(c);
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
        return this;
    }

    private void unicode(char c) {
        out.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf])
                .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
    }

    /** Writes raw punctuation or pre-escaped text. */
    JsonWriter raw(String s) {
        out.append(s);
        return this;
    }
}
