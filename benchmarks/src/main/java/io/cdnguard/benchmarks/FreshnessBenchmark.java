package io.cdnguard.benchmarks;

import io.cdnguard.HeaderSource;
import io.cdnguard.benchmarks.BenchData.BenchExchange;
import io.cdnguard.internal.Freshness;
import io.cdnguard.internal.HttpDates;
import io.cdnguard.internal.PathHash;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The record path's freshness, path-hash and conditional parts in the forms {@code
 * RecordPartsBenchmark} does not cover, on {@link BenchData}'s mix:
 * <ul>
 *   <li>{@link #freshnessFreshValues}: {@link Freshness#parse} when every response carries a new
 *       {@code String} instance of its {@code Cache-Control} value (as the Netty sample's
 *       {@code "public, max-age=" + maxAge} does), so no per-instance cache (such as
 *       {@link String#hashCode()}) helps; the copy is made in the benchmark and its cost is
 *       {@link #copyOnly};</li>
 *   <li>{@link #freshnessStringBuilder}: {@link Freshness#parse} over a non-{@code String}
 *       {@link CharSequence} value (never memoised);</li>
 *   <li>{@link #pathHashStringBuilder}: {@link PathHash#hash} of a non-{@code String} path;</li>
 *   <li>{@link #lookupsOnly}: the header lookups {@link Freshness#parse} makes on these inputs, and
 *       nothing else: the floor under {@code RecordPartsBenchmark.freshness} that parsing cannot
 *       remove;</li>
 *   <li>{@link #httpDate}: {@link HttpDates#parse} of an IMF-fixdate ({@code Expires}, {@code Date});</li>
 *   <li>{@link #conditionalAsRecorded}: {@code status == 304 && conditional()}, what the record
 *       path pays per exchange ({@code RecordPartsBenchmark.conditional} calls it for every
 *       status).</li>
 * </ul>
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar FreshnessBenchmark -f 1 -wi 2 -w 1s -i 3 -r 1s -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
@State(Scope.Thread)
public class FreshnessBenchmark {

    // not final: no constant folding
    BenchExchange[] exchanges;
    int[] cdn;
    String[] cacheControl;
    char[][] cacheControlChars;
    StringBuilder[] cacheControlBuilders;
    StringBuilder[] pathBuilders;
    long now;
    int next;

    /** A response whose {@code Cache-Control} is a settable field, other fields from an exchange. */
    static final class OneValue implements HeaderSource {
        HeaderSource rest;
        CharSequence cacheControl;

        @Override
        public CharSequence get(String lowerCaseName) {
            return "cache-control".equals(lowerCaseName) ? cacheControl : rest.get(lowerCaseName);
        }
    }

    final OneValue response = new OneValue();

    /** Builds the inputs. */
    @Setup
    public void setUp() {
        now = System.currentTimeMillis();
        exchanges = BenchData.exchanges(4242, "/t0");
        int n = exchanges.length;
        cdn = new int[n];
        cacheControl = new String[n];
        cacheControlChars = new char[n][];
        cacheControlBuilders = new StringBuilder[n];
        pathBuilders = new StringBuilder[n];
        for (int i = 0; i < n; i++) {
            cdn[i] = BenchData.cdnOf(i).ordinal();
            CharSequence cc = exchanges[i].responseHeaders().get("cache-control");
            cacheControl[i] = cc == null ? null : cc.toString();
            cacheControlChars[i] = cc == null ? null : cc.toString().toCharArray();
            cacheControlBuilders[i] = cc == null ? null : new StringBuilder(cc);
            pathBuilders[i] = new StringBuilder(exchanges[i].path());
        }
    }

    /** {@link Freshness#parse} with a new {@code String} copy of the {@code Cache-Control} value per call. */
    @Benchmark
    public long freshnessFreshValues() {
        int i = next++ & BenchData.MASK;
        char[] cc = cacheControlChars[i];
        OneValue r = response;
        r.rest = exchanges[i].responseHeaders();
        r.cacheControl = cc == null ? null : new String(cc); // its own new byte[]: equals compares contents
        return Freshness.parse(r, cdn[i], now);
    }

    /** The copy {@link #freshnessFreshValues} makes, alone. */
    @Benchmark
    public Object copyOnly() {
        int i = next++ & BenchData.MASK;
        char[] cc = cacheControlChars[i];
        OneValue r = response;
        r.rest = exchanges[i].responseHeaders();
        r.cacheControl = cc == null ? null : new String(cc); // its own new byte[]: equals compares contents
        return r.cacheControl;
    }

    /** {@link Freshness#parse} with the {@code Cache-Control} value as a {@code StringBuilder}. */
    @Benchmark
    public long freshnessStringBuilder() {
        int i = next++ & BenchData.MASK;
        OneValue r = response;
        r.rest = exchanges[i].responseHeaders();
        r.cacheControl = cacheControlBuilders[i];
        return Freshness.parse(r, cdn[i], now);
    }

    /** {@link PathHash#hash} of a {@code StringBuilder} path. */
    @Benchmark
    public long pathHashStringBuilder() {
        return PathHash.hash(pathBuilders[next++ & BenchData.MASK]);
    }

    /**
     * The lookups of {@link Freshness#parse} for this exchange's CDN (Cache-Control, the targeted
     * fields that CDN honours, Expires and Date when no field is present), without any parsing.
     */
    @Benchmark
    public int lookupsOnly() {
        int i = next++ & BenchData.MASK;
        HeaderSource h = exchanges[i].responseHeaders();
        int c = cdn[i];
        int found = 0;
        CharSequence cc = h.get("cache-control");
        CharSequence targeted = null;
        if (c == CLOUDFLARE) {
            targeted = h.get("cloudflare-cdn-cache-control");
            if (targeted == null) {
                targeted = h.get("cdn-cache-control");
            }
        } else if (c == FASTLY) {
            targeted = h.get("surrogate-control");
        } else if (c != CLOUDFRONT && c != GOOGLE) {
            targeted = h.get("cdn-cache-control");
            if (targeted == null) {
                targeted = h.get("surrogate-control");
            }
        }
        if (cc == null && targeted == null) {
            found += h.get("expires") != null ? 1 : 0;
            found += h.get("date") != null ? 1 : 0;
        }
        return found + (cc != null ? 1 : 0) + (targeted != null ? 1 : 0);
    }

    private static final int CLOUDFRONT = io.cdnguard.Cdn.CLOUDFRONT.ordinal();
    private static final int CLOUDFLARE = io.cdnguard.Cdn.CLOUDFLARE.ordinal();
    private static final int FASTLY = io.cdnguard.Cdn.FASTLY.ordinal();
    private static final int GOOGLE = io.cdnguard.Cdn.GOOGLE.ordinal();

    String[] dates = {"Mon, 23 Nov 2026 21:00:00 GMT", "Mon, 23 Nov 2026 22:00:00 GMT", "Thu, 01 Jan 2026 09:30:00 GMT",
        "Sun, 06 Dec 2026 23:59:59 GMT"};

    /** {@link HttpDates#parse} of an IMF-fixdate, four values in rotation. */
    @Benchmark
    public long httpDate() {
        return HttpDates.parse(dates[next++ & 3]);
    }

    /** The conditional test as the record path runs it: only for a 304. */
    @Benchmark
    public boolean conditionalAsRecorded() {
        BenchExchange e = exchanges[next++ & BenchData.MASK];
        return e.status() == 304 && e.conditional();
    }
}
