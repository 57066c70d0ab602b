package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/**
 * Differential fuzzing of freshness parsing against a tiny reference model of the documented
 * grammar ({@link FreshnessDirectives}, {@link Freshness}): "directive soup" built from the grammar
 * (random case, near-miss names, {@code =} without value, quoted and escaped values, negative,
 * fractional and garbage numbers, numbers past {@code Long.MAX_VALUE}, ESI {@code +ext} and
 * {@code ;targeting} suffixes, duplicate directives, random OWS and empty list members) in all three
 * fields at once; and {@code Expires}/{@code Date} with dates anywhere in years 1..9999 and absurd
 * clocks. {@link FreshnessProperties} checks totality; this checks the <em>answer</em>.
 */
class FreshnessFuzzTest {

    private static final BigInteger MAX_DELTA = BigInteger.ONE.shiftLeft(31);

    /** Canonical names the parser knows, plus directives it must ignore and near misses. */
    private static final List<String> NAMES = List.of("max-age", "s-maxage", "no-store", "no-cache", "private",
            "stale-while-revalidate", "stale-if-error", "public", "must-revalidate", "immutable", "max-agex", "maxage",
            "s-max-age", "no-stor", "no-cachee", "privat", "stale-if-errors", "x-max-age", "m", "");

    /** How a directive's value is written. */
    enum Kind { NONE, EMPTY, DIGITS, QUOTED, SPACED, ESI, TARGETED, NEGATIVE, FRACTION, GARBAGE, QUOTED_ESCAPE,
        QUOTED_SPACE, TRAILING_TEXT, UNTERMINATED }

    /** One generated directive and its expected reading. */
    record Directive(String name, Kind kind, BigInteger number) {

        String canonical() {
            return name.toLowerCase(Locale.ROOT);
        }

        boolean hasValue() {
            return kind != Kind.NONE;
        }

        /** The delta-seconds the grammar reads, or -1 if the value is invalid. */
        long value() {
            switch (kind) {
                case DIGITS:
                case QUOTED:
                case SPACED:
                case ESI:
                case TARGETED:
                    return number.min(MAX_DELTA).longValueExact();
                default:
                    return -1;
            }
        }

        String text() {
            switch (kind) {
                case NONE:
                    return name;
                case EMPTY:
                    return name + "=";
                case DIGITS:
                    return name + "=" + number;
                case QUOTED:
                    return name + "=\"" + number + "\"";
                case SPACED:
                    return name + " =\t" + number;
                case ESI:
                    return name + "=" + number + "+600";
                case TARGETED:
                    return name + "=" + number + ";ext=\"a\"";
                case NEGATIVE:
                    return name + "=-" + number;
                case FRACTION:
                    return name + "=" + number + ".5";
                case GARBAGE:
                    return name + "=abc" + number;
                case QUOTED_ESCAPE:
                    return name + "=\"\\" + number + "\"";
                case QUOTED_SPACE:
                    return name + "=\" " + number + "\"";
                case TRAILING_TEXT:
                    return name + "=" + number + " x";
                default:
                    return name + "=\"" + number; // swallows the rest of the field
            }
        }
    }

    @Provide
    Arbitrary<Directive> directives() {
        Arbitrary<String> names = Arbitraries.of(NAMES).flatMap(n -> Arbitraries.integers().between(0, 3).map(mode -> {
            switch (mode) {
                case 0:
                    return n.toUpperCase(Locale.ROOT);
                case 1: {
                    StringBuilder sb = new StringBuilder(n);
                    for (int i = 0; i < sb.length(); i += 2) {
                        sb.setCharAt(i, Character.toUpperCase(sb.charAt(i)));
                    }
                    return sb.toString();
                }
                default:
                    return n;
            }
        }));
        Arbitrary<BigInteger> numbers = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.longs().between(0, 100_000).map(BigInteger::valueOf)),
                Tuple.of(2, Arbitraries.longs().between(0, Long.MAX_VALUE).map(BigInteger::valueOf)),
                Tuple.of(2, Arbitraries.bigIntegers().between(BigInteger.valueOf(Long.MAX_VALUE), BigInteger.TEN.pow(40))),
                Tuple.of(1, Arbitraries.of(MAX_DELTA.subtract(BigInteger.ONE), MAX_DELTA, MAX_DELTA.add(BigInteger.ONE),
                        BigInteger.ZERO)));
        Arbitrary<Kind> kinds = Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just(Kind.NONE)),
                Tuple.of(8, Arbitraries.just(Kind.DIGITS)), Tuple.of(6, Arbitraries.of(Kind.class)));
        return Combinators.combine(names, kinds, numbers).as(Directive::new)
                .filter(d -> !(d.name().isEmpty() && d.kind() == Kind.NONE));
    }

    @Provide
    Arbitrary<String> separators() {
        return Arbitraries.of(",", ", ", " ,", ",\t", " , ", ",,", ", ,");
    }

    /** One field: its directives and its text. */
    record Field(List<Directive> directives, String text) {
    }

    @Provide
    Arbitrary<Field> fields() {
        return Combinators.combine(directives().list().ofMaxSize(12), separators().list().ofSize(12),
                Arbitraries.of("", " ", "\t", ", "), Arbitraries.of("", " ", ",", ", \t"))
                .as((all, seps, lead, trail) -> {
                    // an unterminated quote swallows the rest only when no later quote closes it: keep it last
                    List<Directive> ds = new ArrayList<>();
                    for (Directive d : all) {
                        ds.add(d);
                        if (d.kind() == Kind.UNTERMINATED) {
                            break;
                        }
                    }
                    StringBuilder sb = new StringBuilder(lead);
                    for (int i = 0; i < ds.size(); i++) {
                        if (i > 0) {
                            sb.append(seps.get(i));
                        }
                        sb.append(ds.get(i).text());
                    }
                    sb.append(trail);
                    return new Field(ds, sb.toString());
                });
    }

    /** The reference summary of one field. */
    record Summary(boolean decided, boolean uncacheable, long lifetime, long swr, long sie) {
    }

    static Summary reference(List<Directive> ds, boolean cacheControlSemantics) {
        boolean noStore = false;
        boolean barePrivate = false;
        boolean bareNoCache = false;
        long sMaxAge = -1;
        long maxAge = -1;
        long swr = -1;
        long sie = -1;
        for (Directive d : ds) {
            long v = d.value();
            switch (d.canonical()) {
                case "no-store":
                    noStore = true;
                    break;
                case "private":
                    barePrivate |= !d.hasValue();
                    break;
                case "no-cache":
                    bareNoCache |= !d.hasValue();
                    break;
                case "s-maxage":
                    sMaxAge = sMaxAge < 0 ? v : sMaxAge;
                    break;
                case "max-age":
                    maxAge = maxAge < 0 ? v : maxAge;
                    break;
                case "stale-while-revalidate":
                    swr = swr < 0 ? v : swr;
                    break;
                case "stale-if-error":
                    sie = sie < 0 ? v : sie;
                    break;
                default:
                    break;
            }
            if (d.kind() == Kind.UNTERMINATED) {
                break; // the open quote swallows the rest of the field
            }
        }
        if (noStore || (cacheControlSemantics && barePrivate)) {
            return new Summary(true, true, 0, swr, sie);
        }
        if (cacheControlSemantics && bareNoCache) {
            return new Summary(true, false, 0, swr, sie);
        }
        if (cacheControlSemantics && sMaxAge >= 0) {
            return new Summary(true, false, sMaxAge, swr, sie);
        }
        if (maxAge >= 0) {
            return new Summary(true, false, maxAge, swr, sie);
        }
        return new Summary(false, false, 0, swr, sie);
    }

    private static long stale(long seconds) {
        return seconds < 0 ? 0 : Freshness.decodeStale(Freshness.encodeStale(seconds));
    }

    @Property(tries = 2000)
    void directiveSoup_inAllThreeFields_matchesTheReferenceModel(@ForAll("fields") Field cdnCc,
                                                                 @ForAll("fields") Field surrogate,
                                                                 @ForAll("fields") Field cc,
                                                                 @ForAll @Size(3) List<Boolean> present) {
        Map<String, String> h = new HashMap<>();
        if (present.get(0)) {
            h.put("cdn-cache-control", cdnCc.text());
        }
        if (present.get(1)) {
            h.put("surrogate-control", surrogate.text());
        }
        if (present.get(2)) {
            h.put("cache-control", cc.text());
        }
        long p = Bounded.call(() -> Freshness.parse(h::get, 0));

        Summary none = new Summary(false, false, 0, -1, -1);
        Summary ccSum = present.get(2) ? reference(cc.directives(), true) : none;
        Summary decider = present.get(0) ? reference(cdnCc.directives(), true) : none;
        if (!decider.decided()) {
            decider = present.get(1) ? reference(surrogate.directives(), false) : none;
        }
        if (!decider.decided()) {
            decider = ccSum;
        }
        String why = h.toString();
        assertThat(p).as(why).isNotNegative();
        if (decider.uncacheable()) {
            assertThat(p).as(why).isEqualTo(Freshness.UNCACHEABLE);
            return;
        }
        if (!decider.decided()) {
            assertThat(p).as(why).isEqualTo(Freshness.UNKNOWN);
            return;
        }
        assertThat(Freshness.cacheable(p)).as(why).isTrue();
        assertThat(Freshness.lifetimeSeconds(p)).as(why).isEqualTo(decider.lifetime());
        long swr = decider.swr() >= 0 ? decider.swr() : ccSum.swr();
        long sie = decider.sie() >= 0 ? decider.sie() : ccSum.sie();
        assertThat(Freshness.staleWhileRevalidateSeconds(p)).as(why).isEqualTo(stale(swr));
        assertThat(Freshness.staleIfErrorSeconds(p)).as(why).isEqualTo(stale(sie));
    }

    @Property(tries = 1500)
    void directiveSoup_stringFastPathMemoAndCharSequenceScan_agree(@ForAll("fields") Field field,
                                                                   @ForAll boolean cacheControlSemantics) {
        String text = field.text();
        long reference = FreshnessDirectives.scanChars(new StringBuilder(text), cacheControlSemantics);
        assertThat(FreshnessDirectives.scan(text, cacheControlSemantics)).as(text).isEqualTo(reference);
        // twice: a miss that fills the memo, then (usually) a hit; and a new instance of the same text
        assertThat(FreshnessDirectives.summarize(text, cacheControlSemantics)).as(text).isEqualTo(reference);
        assertThat(FreshnessDirectives.summarize(text, cacheControlSemantics)).as(text).isEqualTo(reference);
        assertThat(FreshnessDirectives.summarize(new String(text), cacheControlSemantics)).as(text).isEqualTo(reference);
        Summary expected = reference(field.directives(), cacheControlSemantics);
        assertThat(FreshnessDirectives.undecided(reference)).as(text).isEqualTo(!expected.decided());
        assertThat(FreshnessDirectives.uncacheable(reference)).as(text).isEqualTo(expected.uncacheable());
    }

    @Property(tries = 300)
    void thousandsOfDirectives_scanIsBounded_andTheFirstValidOccurrenceWins(
            @ForAll @LongRange(min = 0, max = 1_000_000) long first, @ForAll("directives") Directive filler) {
        // thousands of duplicates and junk after the first valid max-age: first one wins, work is bounded
        String field = "max-age=-1, max-age=abc, max-age=" + first + ", " + (filler.text() + ", max-age=7, ").repeat(5000);
        assertThat(field.length()).isGreaterThan(65_536);
        long p = Bounded.call(() -> Freshness.parse(name -> name.equals("cache-control") ? field : null, 0));
        boolean fillerDecides = filler.canonical().equals("no-store") || filler.canonical().equals("no-cache")
                && !filler.hasValue() || filler.canonical().equals("private") && !filler.hasValue()
                || filler.canonical().equals("s-maxage") && filler.value() >= 0;
        if (!fillerDecides) {
            assertThat(Freshness.lifetimeSeconds(p)).isEqualTo(first);
        } else {
            assertThat(p).satisfiesAnyOf(v -> assertThat(v).isEqualTo(Freshness.UNCACHEABLE),
                    v -> assertThat(Freshness.lifetimeSeconds(v)).isBetween(0L, 1L << 31));
        }
    }

    @Property(tries = 1000)
    void directiveCutByTheScanLimit_isIgnored(@ForAll("directives") Directive d, @ForAll @IntRange(min = 1, max = 200) int keep) {
        String text = d.text();
        int k = Math.min(keep, text.length() - 1); // characters of d inside the scanned prefix
        if (k < 1) {
            return;
        }
        String head = "max-age=5, ";
        int pad = Ascii.MAX_SCAN - k - head.length() - 2;
        String field = head + "a".repeat(pad) + ", " + text + ", max-age=9";
        assertThat(field.indexOf(text, head.length() + pad)).isEqualTo(Ascii.MAX_SCAN - k);
        long p = Freshness.parse(name -> name.equals("cache-control") ? field : null, 0);
        assertThat(Freshness.cacheable(p)).as(d.toString()).isTrue();
        assertThat(Freshness.lifetimeSeconds(p)).as(d.toString()).isEqualTo(5);
    }

    private static final DateTimeFormatter IMF = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'",
            Locale.ROOT).withZone(ZoneOffset.UTC);

    @Provide
    Arbitrary<Long> epochSeconds() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.longs().between(-62_135_596_800L, 253_402_300_799L)),
                Tuple.of(3, Arbitraries.longs().between(1_700_000_000L, 1_700_100_000L)),
                Tuple.of(1, Arbitraries.of(-62_135_596_800L, 253_402_300_799L, 0L)));
    }

    @Provide
    Arbitrary<Long> clocks() {
        return Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.longs()),
                Tuple.of(3, Arbitraries.longs().between(1_700_000_000_000L, 1_700_100_000_000L)),
                Tuple.of(1, Arbitraries.of(Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE + 1, 0L, -1L)));
    }

    @Property(tries = 2000)
    void expiresMinusDate_anyDatesAndAbsurdClocks_neverNegative_clampsAt2Pow31(
            @ForAll("epochSeconds") long expires, @ForAll("epochSeconds") long date, @ForAll boolean hasDate,
            @ForAll("clocks") long now, @ForAll boolean garbageExpires) {
        Map<String, String> h = new HashMap<>();
        h.put("expires", garbageExpires ? "0" : IMF.format(Instant.ofEpochSecond(expires)));
        if (hasDate) {
            h.put("date", IMF.format(Instant.ofEpochSecond(date)));
        }
        h.put("cache-control", "public, must-revalidate"); // decides nothing
        long p = Freshness.parse(h::get, now);
        assertThat(Freshness.cacheable(p)).isTrue();
        long expected;
        if (garbageExpires) {
            expected = 0;
        } else {
            BigInteger base = BigInteger.valueOf(hasDate ? date * 1000 : now);
            BigInteger diff = BigInteger.valueOf(expires * 1000).subtract(base);
            expected = diff.signum() <= 0 ? 0 : diff.divide(BigInteger.valueOf(1000)).min(MAX_DELTA).longValueExact();
        }
        assertThat(Freshness.lifetimeSeconds(p)).as("%s now=%d", h, now).isEqualTo(expected);
    }

    @Property(tries = 1000)
    void hostileValuesInEveryField_areTotalAndSane(@ForAll("hostileHeaders") Map<String, String> h,
                                                   @ForAll("clocks") long now) {
        long p = Bounded.call(() -> Freshness.parse(h::get, now));
        assertThat(p).isNotNegative();
        if (Freshness.cacheable(p)) {
            assertThat(Freshness.lifetimeSeconds(p)).isBetween(0L, 1L << 31);
            assertThat(Freshness.staleWhileRevalidateSeconds(p)).isBetween(0L, 4096L * 86_400);
            assertThat(Freshness.staleIfErrorSeconds(p)).isBetween(0L, 4096L * 86_400);
        } else {
            assertThat(p).isIn(Freshness.UNKNOWN, Freshness.UNCACHEABLE);
        }
    }

    @Provide
    Arbitrary<Map<String, String>> hostileHeaders() {
        List<String> names = new ArrayList<>(HeaderFuzzTest.RESPONSE_NAMES);
        return Arbitraries.maps(Arbitraries.of(names), HeaderFuzzTest.hostile()).ofMaxSize(5).map(HashMap::new);
    }
}
