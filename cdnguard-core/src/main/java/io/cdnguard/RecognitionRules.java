package io.cdnguard;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * User rules applied on top of cdnguard's built-in CDN recognition.
 *
 * <p>Every CDN header can be spoofed by a client that reaches the origin directly. Where that
 * matters, tell cdnguard what only your CDN can send: a shared-secret header (a CloudFront custom
 * origin header, say) or the CDN's address ranges, and {@linkplain Builder#requireTrust() require}
 * one of them.
 *
 * <p>Rules are evaluated in the order added, before the built-in recognition; the first that
 * matches decides the CDN. Health probes and requests for cdnguard's own endpoints are recognised
 * before any rule. Header names are matched case-insensitively; {@link Kind#HEADER_CONTAINS}
 * compares ASCII case-insensitively, {@link Kind#SHARED_SECRET} exactly (in time independent of
 * where a wrong value differs); only the first 4096 characters of a header value are examined.
 * {@link Kind#TRUSTED_RANGE} matches the client address text the adapter reports (IPv4, IPv6, an
 * IPv4-mapped IPv6 address against an IPv4 range and vice versa).
 *
 * <p>Example: count only CloudFront fetches that carry the secret custom origin header, whatever
 * else a request claims:
 * <pre>{@code
 * RecognitionRules rules = RecognitionRules.builder()
 *     .sharedSecret("x-origin-verify", secret, Cdn.CLOUDFRONT)
 *     .requireTrust()
 *     .build();
 * }</pre>
 *
 * <p>Immutable and thread-safe once built.
 */
public final class RecognitionRules {

    /** What a rule matches on. */
    public enum Kind {
        /** The named request header is present. */
        HEADER_PRESENT,
        /** The named request header contains a value (case-insensitive). */
        HEADER_CONTAINS,
        /** The named request header equals a shared secret exactly. */
        SHARED_SECRET,
        /** The client address is inside a CIDR range. */
        TRUSTED_RANGE
    }

    /** One user rule. */
    public static final class Rule {
        private final Kind kind;
        private final String header;
        private final String value;
        private final Cdn cdn;

        Rule(Kind kind, String header, String value, Cdn cdn) {
            this.kind = kind;
            this.header = header;
            this.value = value;
            this.cdn = cdn;
        }

        /** What it matches on. */
        public Kind kind() {
            return kind;
        }

        /** The header name, lower case; {@code null} for {@link Kind#TRUSTED_RANGE}. */
        public String header() {
            return header;
        }

        /** The value, secret or CIDR range; {@code null} for {@link Kind#HEADER_PRESENT}. */
        public String value() {
            return value;
        }

        /** The CDN a match is attributed to. */
        public Cdn cdn() {
            return cdn;
        }
    }

    private static final RecognitionRules NONE = new RecognitionRules(Collections.emptyList(), false, true);

    private final List<Rule> rules;
    private final boolean requireTrust;
    private final boolean builtIn;

    private RecognitionRules(List<Rule> rules, boolean requireTrust, boolean builtIn) {
        this.rules = rules;
        this.requireTrust = requireTrust;
        this.builtIn = builtIn;
    }

    /** Built-in recognition only, no user rules. */
    public static RecognitionRules defaults() {
        return NONE;
    }

    /** Starts a set of user rules. */
    public static Builder builder() {
        return new Builder();
    }

    /** The user rules in order. */
    public List<Rule> rules() {
        return rules;
    }

    /**
     * Whether a request must match a {@link Kind#SHARED_SECRET} or {@link Kind#TRUSTED_RANGE} rule
     * to count as a CDN fetch; a request that only looks like one is then counted as direct. When
     * trust is established, the first matching rule (trust rule or not) still names the CDN, and
     * the built-in recognition is not consulted.
     */
    public boolean requireTrust() {
        return requireTrust;
    }

    /** Whether the built-in recognition of known CDNs runs after the user rules. */
    public boolean builtIn() {
        return builtIn;
    }

    /** Builds {@link RecognitionRules}. Not thread-safe. */
    public static final class Builder {
        private final List<Rule> rules = new ArrayList<>();
        private boolean requireTrust;
        private boolean builtIn = true;

        private Builder() {
        }

        /** Requests carrying the header are fetches by {@code cdn}. */
        public Builder headerPresent(String header, Cdn cdn) {
            rules.add(new Rule(Kind.HEADER_PRESENT, name(header), null, Objects.requireNonNull(cdn, "cdn")));
            return this;
        }

        /** Requests whose header contains {@code value} (case-insensitive) are fetches by {@code cdn}. */
        public Builder headerContains(String header, String value, Cdn cdn) {
            rules.add(new Rule(Kind.HEADER_CONTAINS, name(header), nonEmpty(value, "value"), Objects.requireNonNull(cdn, "cdn")));
            return this;
        }

        /** Requests whose header equals {@code secret} exactly are trusted fetches by {@code cdn}. */
        public Builder sharedSecret(String header, String secret, Cdn cdn) {
            rules.add(new Rule(Kind.SHARED_SECRET, name(header), nonEmpty(secret, "secret"), Objects.requireNonNull(cdn, "cdn")));
            return this;
        }

        /**
         * Requests from a client address inside {@code cidr} ({@code "130.176.0.0/16"}, {@code
         * "2600:9000::/28"}) are trusted fetches by {@code cdn}.
         *
         * @throws IllegalArgumentException if {@code cidr} is not a valid range
         */
        public Builder trustedRange(String cidr, Cdn cdn) {
            String c = nonEmpty(cidr, "cidr").trim();
            if (!io.cdnguard.internal.Cidr.isValid(c)) {
                throw new IllegalArgumentException("not a CIDR range: " + cidr);
            }
            rules.add(new Rule(Kind.TRUSTED_RANGE, null, c, Objects.requireNonNull(cdn, "cdn")));
            return this;
        }

        /** Counts a request as a CDN fetch only if a shared-secret or trusted-range rule matches. */
        public Builder requireTrust() {
            this.requireTrust = true;
            return this;
        }

        /** Turns off the built-in recognition of known CDNs: only the user rules decide. */
        public Builder withoutBuiltIn() {
            this.builtIn = false;
            return this;
        }

        /**
         * Builds the rules.
         *
         * @throws IllegalArgumentException if trust is required but no rule can establish it
         */
        public RecognitionRules build() {
            if (requireTrust && rules.stream().noneMatch(r -> r.kind == Kind.SHARED_SECRET || r.kind == Kind.TRUSTED_RANGE)) {
                throw new IllegalArgumentException("requireTrust() needs a sharedSecret or trustedRange rule");
            }
            return new RecognitionRules(Collections.unmodifiableList(new ArrayList<>(rules)), requireTrust, builtIn);
        }

        private static String name(String header) {
            return nonEmpty(header, "header").trim().toLowerCase(java.util.Locale.ROOT);
        }

        private static String nonEmpty(String s, String what) {
            if (s == null || s.trim().isEmpty()) {
                throw new IllegalArgumentException(what + " must not be empty: '" + s + "'");
            }
            return s;
        }
    }
}
