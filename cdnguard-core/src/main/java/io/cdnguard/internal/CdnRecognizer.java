package io.cdnguard.internal;

import io.cdnguard.Cdn;
import io.cdnguard.HeaderSource;
import io.cdnguard.RecognitionRules;
import io.cdnguard.RequestKind;

/**
 * Recognises who sent a request from its headers. CONTRACT STUB: the recognition work replaces the
 * body; the signatures are the contract the engine codes against.
 */
public final class CdnRecognizer {

    private final RecognitionRules rules;
    private final String endpointPrefix;

    /** Creates a recogniser with user rules on top of the built-in ones; requests under {@code endpointPrefix} are SELF. */
    public CdnRecognizer(RecognitionRules rules, String endpointPrefix) {
        this.rules = rules;
        this.endpointPrefix = endpointPrefix;
    }

    /**
     * Classifies a request. Allocation-free, never throws. Returns a packed classification: decode with
     * {@link #kind(int)} and {@link #cdn(int)}.
     */
    public int classify(HeaderSource request, CharSequence clientAddress, CharSequence path) {
        return pack(RequestKind.DIRECT, null);
    }

    /** The request kind of a packed classification. */
    public static RequestKind kind(int classification) {
        return RequestKind.values()[classification & 0xF];
    }

    /** The CDN of a packed classification, {@code null} unless the kind is {@link RequestKind#CDN}. */
    public static Cdn cdn(int classification) {
        int c = (classification >>> 4) & 0xF;
        return c == 0 ? null : Cdn.values()[c - 1];
    }

    /** Packs a classification. */
    public static int pack(RequestKind kind, Cdn cdn) {
        return kind.ordinal() | (cdn == null ? 0 : (cdn.ordinal() + 1) << 4);
    }

    /**
     * The CDN edge location (POP) named by the request headers of a CDN fetch, as up to 8 upper-case
     * ASCII characters packed big-endian into a long (first char in the highest used byte), or 0 if
     * none. Allocation-free, never throws.
     */
    public static long popCode(int classification, HeaderSource request) {
        return 0;
    }

    /** Unpacks a {@link #popCode} into its text. Allocates; call once per new POP. */
    public static String popName(long code) {
        StringBuilder sb = new StringBuilder(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            int ch = (int) (code >>> shift) & 0xFF;
            if (ch != 0) {
                sb.append((char) ch);
            }
        }
        return sb.toString();
    }
}
