package io.cdnguard.samples.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.samples.backtest.sim.CdnProfile;
import io.cdnguard.samples.backtest.sim.GroundTruth;
import io.cdnguard.samples.backtest.sim.JsonTraceWriter;
import io.cdnguard.samples.backtest.sim.Scenario;
import io.cdnguard.samples.backtest.sim.SimRecord;
import io.cdnguard.samples.backtest.sim.Simulator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class SimulatorTest {

    private static byte[] trace(Scenario sc) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos); JsonTraceWriter w = new JsonTraceWriter(gz)) {
            new Simulator(sc).run(w);
        }
        return bos.toByteArray();
    }

    /** Collects copies of the records of interest. */
    private static List<SimRecord> records(Scenario sc, java.util.function.Predicate<SimRecord> keep) {
        List<SimRecord> out = new ArrayList<>();
        new Simulator(sc).run(r -> {
            if (keep.test(r)) {
                SimRecord c = new SimRecord();
                c.kind = r.kind;
                c.ts = r.ts;
                c.path = r.path;
                c.status = r.status;
                c.backend = r.backend;
                c.error = r.error;
                c.req.addAll(r.req);
                c.resp.addAll(r.resp);
                out.add(c);
            }
        });
        return out;
    }

    @Test
    void run_sameSeed_sameBytes_otherSeed_otherBytes() throws IOException {
        byte[] a = trace(Scenario.named("april4", 7, 2, null));
        byte[] b = trace(Scenario.named("april4", 7, 2, null));
        byte[] c = trace(Scenario.named("april4", 8, 2, null));
        assertThat(a).isEqualTo(b);
        assertThat(c).isNotEqualTo(a);
    }

    @Test
    void run_writesReadableTrace_everyLineWellFormed() throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        Simulator.Result res;
        try (JsonTraceWriter w = new JsonTraceWriter(bos)) {
            res = new Simulator(Scenario.named("gateway-no-backend", 3, 1, null)).run(w);
        }
        try (JsonTraceReader r = new JsonTraceReader(new ByteArrayInputStream(bos.toByteArray()))) {
            long n = 0;
            while (r.next()) {
                n++;
            }
            assertThat(r.malformed()).isZero();
            assertThat(n).isEqualTo(res.lines()).isGreaterThan(1000);
        }
    }

    @Test
    void run_probes_every30sFromTwoNodes() {
        List<SimRecord> probes = records(Scenario.named("normal", 1, 1, null), r -> r.kind == SimRecord.Kind.PROBE);
        Map<String, List<Long>> byNode = new HashMap<>();
        for (SimRecord p : probes) {
            assertThat(p.reqHeader("user-agent")).startsWith("kube-probe/");
            byNode.computeIfAbsent(p.reqHeader("host"), k -> new ArrayList<>()).add(p.ts);
        }
        assertThat(byNode).hasSize(2);
        for (List<Long> ts : byNode.values()) {
            assertThat(ts.size()).isBetween(2870, 2890);
            double meanGap = (ts.get(ts.size() - 1) - ts.get(0)) / (double) (ts.size() - 1);
            assertThat(meanGap).isBetween(29_900.0, 30_100.0);
        }
    }

    @Test
    void run_cdnShareAndRates_plausible_andFetchesDoNotScaleWithDemand() {
        Scenario sc = Scenario.named("april4", 2, 8, null);
        long[] byHour = new long[24];
        long[] total = new long[1];
        long[] cdn = new long[1];
        new Simulator(sc).run(r -> {
            total[0]++;
            if (r.kind == SimRecord.Kind.CDN_FILL) {
                cdn[0]++;
                byHour[(int) ((r.ts - sc.startMillis()) / 3_600_000L % 24)]++;
            }
        });
        double share = cdn[0] / (double) total[0];
        assertThat(share).isBetween(0.2, 0.9);
        // demand at 15:00 is ~12x the 03:00 demand; fills only a few times more
        double ratio = byHour[15] / (double) byHour[3];
        assertThat(ratio).isBetween(1.5, 8.0);
    }

    @Test
    void run_headerSets_perCdn() {
        Map<CdnProfile, String[]> expected = Map.of(
            CdnProfile.CLOUDFRONT, new String[] {"via", "x-amz-cf-id", "x-amz-cf-pop"},
            CdnProfile.CLOUDFLARE, new String[] {"cf-ray", "cdn-loop", "cf-connecting-ip"},
            CdnProfile.FASTLY, new String[] {"fastly-ff", "cdn-loop", "x-served-by"},
            CdnProfile.AKAMAI, new String[] {"akamai-origin-hop", "via"});
        for (CdnProfile cdn : CdnProfile.values()) {
            List<SimRecord> fills = records(Scenario.named("normal", 1, 1, cdn), r -> r.kind == SimRecord.Kind.CDN_FILL);
            assertThat(fills).isNotEmpty();
            for (SimRecord f : fills.subList(0, 50)) {
                for (String h : expected.get(cdn)) {
                    assertThat(f.reqHeader(h)).as(cdn + " " + h).isNotNull();
                }
                String ua = f.reqHeader("user-agent");
                if (cdn == CdnProfile.CLOUDFRONT) {
                    assertThat(ua).isEqualTo("Amazon CloudFront");
                    assertThat(f.reqHeader("via")).matches("1\\.1 [0-9a-f]{32}\\.cloudfront\\.net \\(CloudFront\\)");
                } else {
                    assertThat(ua).startsWith("Mozilla/5.0");
                }
                if (cdn == CdnProfile.CLOUDFLARE) {
                    assertThat(f.reqHeader("cf-ray")).matches("[0-9a-f]{16}-[A-Z]{3}");
                    assertThat(f.reqHeader("cdn-loop")).isEqualTo("cloudflare");
                }
                if (cdn == CdnProfile.AKAMAI) {
                    assertThat(f.reqHeader("via")).contains("AkamaiGHost");
                }
                if (cdn == CdnProfile.FASTLY) {
                    assertThat(f.reqHeader("cdn-loop")).isEqualTo("Fastly");
                }
                assertThat(f.respHeader("etag")).isNotNull();
                String cc = f.respHeader("cache-control");
                assertThat(cc).contains("max-age=");
                if (f.status == 304) {
                    assertThat(f.reqHeader("if-none-match")).isEqualTo(f.respHeader("etag"));
                }
            }
        }
    }

    @Test
    void run_april4_noCdnFetchesOrProbesDuringIncident_butAfter() {
        Scenario sc = Scenario.named("april4", 3, 21, null).fromDay(19);
        Scenario.Incident inc = sc.incidents().get(0);
        long[] inside = new long[2];
        long[] after = new long[1];
        new Simulator(sc).run(r -> {
            if (r.ts >= inc.start() + 5000 && r.ts < inc.end() - 5000) {
                inside[r.kind == SimRecord.Kind.PROBE ? 1 : 0] += r.kind == SimRecord.Kind.CDN_FILL || r.kind == SimRecord.Kind.PROBE ? 1 : 0;
            }
            if (r.ts >= inc.end() && r.kind == SimRecord.Kind.CDN_FILL) {
                after[0]++;
            }
        });
        assertThat(inside[0]).isZero();
        assertThat(inside[1]).isZero();
        assertThat(after[0]).isGreaterThan(100);
    }

    @Test
    void run_gatewayNoBackend_static503WithoutBackend_apiKeepsWorking() {
        Scenario sc = Scenario.named("gateway-no-backend", 1, 21, null).fromDay(19);
        Scenario.Incident inc = sc.incidents().get(0);
        List<SimRecord> during = records(sc, r -> r.ts >= inc.start() + 1000 && r.ts < inc.end() - 1000
            && r.kind != SimRecord.Kind.PROBE && r.kind != SimRecord.Kind.DIRECT && r.kind != SimRecord.Kind.BOT);
        assertThat(during).isNotEmpty();
        long staticOk = during.stream().filter(r -> r.path.startsWith("/static/") && r.status < 400).count();
        long noBackend = during.stream().filter(r -> "no_backend".equals(r.error)).count();
        long api = during.stream().filter(r -> r.path.startsWith("/api/") && r.status == 200).count();
        assertThat(staticOk).isZero();
        assertThat(noBackend).isGreaterThan(50);
        assertThat(during.stream().filter(r -> "no_backend".equals(r.error)).allMatch(r -> r.backend == null && r.status == 503)).isTrue();
        assertThat(api).isGreaterThan(0);
    }

    @Test
    void run_silentBackend_victimGetsNothing_peersDo() {
        Scenario sc = Scenario.named("silent-backend", 1, 21, null).fromDay(19);
        Scenario.Incident inc = sc.incidents().get(0);
        Map<String, Long> counts = new HashMap<>();
        new Simulator(sc).run(r -> {
            if (r.ts >= inc.start() + 5000 && r.ts < inc.end() && r.backend != null && r.kind == SimRecord.Kind.CDN_FILL) {
                counts.merge(r.backend, 1L, Long::sum);
            }
        });
        assertThat(counts).doesNotContainKey("asset-2");
        assertThat(counts.get("asset-1")).isGreaterThan(100);
        assertThat(counts.get("asset-3")).isGreaterThan(100);
    }

    @Test
    void groundTruth_hasTheShapeTheEvaluatorReads() throws IOException {
        Scenario sc = Scenario.named("partial-drop", 5, 21, null).fromDay(19);
        Simulator.Result res = new Simulator(sc).run(r -> { });
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        GroundTruth.write(res, "x.jsonl.gz", 123, bos);
        String json = bos.toString(StandardCharsets.UTF_8);
        for (String f : new String[] {"\"scenario\"", "\"seed\"", "\"view\"", "\"trace_start\"", "\"trace_end\"", "\"incidents\"",
            "\"start\" : \"2021-04-03T18:00:00Z\"", "\"bound_stream_rate_per_min\"", "\"bound_rho\"", "\"expected_cdn_fetch_rate_per_min\"",
            "\"events\"", "\"pops\"", "\"record_counts\"", "\"malformed_lines\""}) {
            assertThat(json).contains(f);
        }
        double rho = GroundTruth.boundRho(res, 0);
        assertThat(rho).isBetween(0.5, 0.7);
        assertThat(GroundTruth.tStar(2.0, 0)).isCloseTo(10.68 / 2.0, org.assertj.core.api.Assertions.within(0.01));
    }
}
