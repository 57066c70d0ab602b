package io.cdnguard.benchmarks;

import io.cdnguard.Cdn;
import io.cdnguard.HeaderSource;
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
 * {@link BenchData} inputs (lever 1 of the hot-path work: every lookup scans the server's header
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
        for (BenchExchange e : xs) {
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
        System.out.printf("%-11s %5d %9.2f %9.2f%n", "all", xs.length, (double) totalReq / xs.length,
                (double) totalResp / xs.length);
    }
}
