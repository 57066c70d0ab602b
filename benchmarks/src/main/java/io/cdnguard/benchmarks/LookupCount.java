package io.cdnguard.benchmarks;

import io.cdnguard.Cdn;
import io.cdnguard.CdnGuard;
import io.cdnguard.Exchange;
import io.cdnguard.HeaderSource;
import io.cdnguard.UpstreamFailure;
import io.cdnguard.RecognitionRules;
import io.cdnguard.benchmarks.BenchData.BenchExchange;
import io.cdnguard.internal.CdnRecognizer;
import io.cdnguard.internal.Freshness;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Prints how many header lookups recognition and freshness make per exchange, per CDN, over the
 * {@link BenchData} inputs, and how many the whole record path makes ({@link #recordLookups}, also
 * what {@code RecordPartsBenchmark.headerLookupsOnly} replays) (lever 1 of the hot-path work: every lookup scans the server's header
 * map). Not a benchmark: run it with
 * {@code java -cp benchmarks/target/benchmarks.jar io.cdnguard.benchmarks.LookupCount}.
 */
public final class LookupCount {

    private LookupCount() {
    }

    /** A header source that counts (and optionally lists) the lookups made through it. */
    static final class Counting implements HeaderSource {
        final HeaderSource delegate;
        final List<String> names = new ArrayList<>();

        Counting(HeaderSource delegate) {
            this.delegate = delegate;
        }

        @Override
        public CharSequence get(String lowerCaseName) {
            names.add(lowerCaseName);
            return delegate.get(lowerCaseName);
        }
    }

    /**
     * The header names {@link CdnGuard#record(Exchange)} looks up for {@code e}, in order: request
     * names in {@code [0]}, response names in {@code [1]}. Found by recording {@code e} once, through
     * counting header sources, into {@code guard} (use a throwaway guard: the exchange is counted).
     */
    static String[][] recordLookups(CdnGuard guard, Exchange e) {
        Counting req = new Counting(e.requestHeaders());
        Counting resp = new Counting(e.responseHeaders());
        guard.record(new Exchange() {
            @Override
            public String method() {
                return e.method();
            }

            @Override
            public CharSequence path() {
                return e.path();
            }

            @Override
            public int status() {
                return e.status();
            }

            @Override
            public long responseBytes() {
                return e.responseBytes();
            }

            @Override
            public long durationNanos() {
                return e.durationNanos();
            }

            @Override
            public HeaderSource requestHeaders() {
                return req;
            }

            @Override
            public HeaderSource responseHeaders() {
                return resp;
            }

            @Override
            public CharSequence clientAddress() {
                return e.clientAddress();
            }

            @Override
            public String backend() {
                return e.backend();
            }

            @Override
            public UpstreamFailure failure() {
                return e.failure();
            }
        });
        return new String[][] {req.names.toArray(new String[0]), resp.names.toArray(new String[0])};
    }

    /**
     * Prints the lookups per exchange.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        CdnRecognizer r = new CdnRecognizer(RecognitionRules.defaults(), "/cdnguard");
        BenchExchange[] xs = BenchData.exchanges(4242, "/t0");
        Map<String, int[]> byCdn = new TreeMap<>();
        Map<String, String> example = new TreeMap<>();
        long now = System.currentTimeMillis();
        int totalReq = 0;
        int totalResp = 0;
        int totalRecord = 0;
        CdnGuard probe = CdnGuard.builder().evaluationThread(false).persistBaseline(false).build();
        for (BenchExchange e : xs) {
            String[][] recorded = recordLookups(probe, e);
            totalRecord += recorded[0].length + recorded[1].length;
            Counting req = new Counting(e.requestHeaders());
            long c = r.classifyWithPop(req, e.clientAddress(), e.path());
            Cdn cdn = CdnRecognizer.cdn(CdnRecognizer.classificationOf(c));
            Counting resp = new Counting(e.responseHeaders());
            Freshness.parse(resp, cdn == null ? -1 : cdn.ordinal(), now);
            String key = String.valueOf(cdn);
            int[] sums = byCdn.computeIfAbsent(key, k -> new int[3]);
            sums[0]++;
            sums[1] += req.names.size();
            sums[2] += resp.names.size();
            totalReq += req.names.size();
            totalResp += resp.names.size();
            example.putIfAbsent(key, req.names + " | " + resp.names);
        }
        System.out.printf("%-11s %5s %9s %9s%n", "cdn", "n", "req/exch", "resp/exch");
        for (Map.Entry<String, int[]> en : byCdn.entrySet()) {
            int[] s = en.getValue();
            System.out.printf("%-11s %5d %9.2f %9.2f   e.g. %s%n", en.getKey(), s[0], (double) s[1] / s[0],
                    (double) s[2] / s[0], example.get(en.getKey()));
        }
        probe.close();
        System.out.printf("%-11s %5d %9.2f %9.2f%n", "all", xs.length, (double) totalReq / xs.length,
                (double) totalResp / xs.length);
        System.out.printf("CdnGuard.record, conditional() included: %.2f lookups per exchange%n",
                (double) totalRecord / xs.length);
    }
}
