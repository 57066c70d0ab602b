package io.cdnguard.samples.backtest.sim;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.cdnguard.samples.backtest.Rfc3339;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * Writes a simulation's ground truth in the shape of the public {@code *.truth.json} files, so that
 * {@code evaluate-backtest.py} can score a backtest of the trace.
 */
public final class GroundTruth {

    private GroundTruth() {
    }

    /** The Poisson limit t* in minutes for a stream of {@code lambda} per minute dropping to {@code rho}. */
    public static double tStar(double lambdaPerMin, double rho) {
        double r = Math.max(0, Math.min(rho, 0.999999));
        double kl = 1 - r + (r > 0 ? r * Math.log(r) : 0);
        return Math.log(1 / 2.3e-5) / (lambdaPerMin * kl);
    }

    /** The bound stream rate (per minute) of incident {@code i}: what a perfect detector watches. */
    public static double boundRate(Simulator.Result res, int i) {
        Scenario.Incident inc = res.scenario().incidents().get(i);
        switch (inc.effect()) {
            case STATIC_NO_BACKEND:
                return res.expectedFillsPerMin(inc.start());
            case BACKEND_SILENT:
                return res.expectedFillsPerMin(inc.start()) / 3.0;
            default:
                return res.expectedCdnRatePerMin(inc.start());
        }
    }

    /** The bound stream's remaining fraction during incident {@code i}. */
    public static double boundRho(Simulator.Result res, int i) {
        Scenario.Incident inc = res.scenario().incidents().get(i);
        return inc.effect() == Scenario.Effect.BLOCK_POPS ? res.remainingShare(i, inc.start()) : 0.0;
    }

    /** Writes the truth JSON. */
    public static void write(Simulator.Result res, String traceName, long bytes, OutputStream out) throws IOException {
        Scenario sc = res.scenario();
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("scenario", sc.name());
            g.writeNumberField("seed", sc.seed());
            g.writeStringField("generator", "cdnguard-backtest-sim/1.0");
            g.writeStringField("view", sc.gateway() ? "gateway" : "origin");
            g.writeStringField("cdn", sc.cdn().label());
            g.writeStringField("trace", traceName);
            g.writeStringField("trace_start", Rfc3339.format(sc.startMillis()));
            g.writeStringField("trace_end", Rfc3339.format(sc.endMillis()));
            g.writeStringField("ts_format", "rfc3339");
            g.writeStringField("description", sc.description());
            g.writeArrayFieldStart("incidents");
            for (int i = 0; i < sc.incidents().size(); i++) {
                Scenario.Incident inc = sc.incidents().get(i);
                g.writeStartObject();
                g.writeStringField("id", inc.id());
                String kind;
                String effect;
                List<String> detectors;
                String stream;
                switch (inc.effect()) {
                    case BLOCK_ALL:
                        kind = "silence";
                        effect = inc.probesStop ? "block_all" : "block_cdn";
                        detectors = List.of("cdn-silence", "refetch-overdue");
                        stream = "cdn-fetches";
                        break;
                    case BLOCK_POPS:
                        kind = "rate-drop";
                        effect = "block_pops";
                        detectors = List.of("cdn-rate-drop");
                        stream = "cdn-fetches";
                        break;
                    case STATIC_NO_BACKEND:
                        kind = "errors";
                        effect = "static_no_backend";
                        detectors = List.of("backend-errors", "refetch-overdue");
                        stream = "successful /static/* fetches";
                        break;
                    default:
                        kind = "missing-backend";
                        effect = "backend_silent";
                        detectors = List.of("backend-missing");
                        stream = "/static/* fetches to " + inc.victim;
                        break;
                }
                g.writeStringField("kind", kind);
                g.writeStringField("effect", effect);
                g.writeStringField("start", Rfc3339.format(inc.start()));
                g.writeStringField("end", Rfc3339.format(inc.end()));
                g.writeArrayFieldStart("expected_detectors");
                for (String d : detectors) {
                    g.writeString(d);
                }
                g.writeEndArray();
                g.writeStringField("description", inc.description);
                g.writeNumberField("expected_cdn_fetch_rate_per_min", round(res.expectedCdnRatePerMin(inc.start())));
                g.writeStringField("bound_stream", stream);
                g.writeNumberField("bound_stream_rate_per_min", round(boundRate(res, i)));
                g.writeNumberField("bound_rho", round(boundRho(res, i)));
                if (inc.effect() == Scenario.Effect.BLOCK_POPS) {
                    g.writeArrayFieldStart("blocked_pops");
                    for (String p : res.blockedPops(i)) {
                        g.writeString(p);
                    }
                    g.writeEndArray();
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("events");
            for (Scenario.Demand d : sc.demand()) {
                g.writeStartObject();
                g.writeStringField("kind", "demand");
                g.writeStringField("start", Rfc3339.format(d.start()));
                g.writeStringField("end", Rfc3339.format(d.end()));
                g.writeNumberField("factor", d.factor());
                g.writeStringField("label", d.label());
                g.writeEndObject();
            }
            for (Scenario.Demand d : sc.apiDemand()) {
                g.writeStartObject();
                g.writeStringField("kind", "api-demand");
                g.writeStringField("start", Rfc3339.format(d.start()));
                g.writeStringField("end", Rfc3339.format(d.end()));
                g.writeNumberField("factor", d.factor());
                g.writeStringField("label", d.label());
                g.writeEndObject();
            }
            for (Scenario.Deploy d : sc.deploys()) {
                g.writeStartObject();
                g.writeStringField("kind", "deploy");
                g.writeStringField("at", Rfc3339.format(d.at()));
                g.writeNumberField("assets_changed", d.assetsChanged());
                g.writeBooleanField("invalidate", d.invalidate());
                g.writeStringField("label", d.label());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("pops");
            for (String p : res.pops()) {
                g.writeString(p);
            }
            g.writeEndArray();
            g.writeNumberField("n_assets", res.assets());
            g.writeNumberField("lines", res.lines());
            g.writeArrayFieldStart("malformed_lines");
            g.writeEndArray();
            g.writeObjectFieldStart("record_counts");
            g.writeNumberField("cdn_fill_records", res.count(SimRecord.Kind.CDN_FILL));
            g.writeNumberField("cdn_error_records", res.count(SimRecord.Kind.CDN_ERROR));
            if (sc.gateway()) {
                g.writeNumberField("api_records", res.count(SimRecord.Kind.API));
            }
            g.writeNumberField("cdn_404_records", res.count(SimRecord.Kind.CDN_404));
            g.writeNumberField("probe_records", res.count(SimRecord.Kind.PROBE));
            g.writeNumberField("direct_records", res.count(SimRecord.Kind.DIRECT));
            g.writeNumberField("bot_records", res.count(SimRecord.Kind.BOT));
            g.writeEndObject();
            if (sc.gateway()) {
                g.writeArrayFieldStart("expected_backends");
                for (String b : sc.expectedBackends()) {
                    g.writeString(b);
                }
                g.writeEndArray();
                g.writeStringField("expect_backends", sc.expectedBackendSpec());
            }
            g.writeNumberField("bytes", bytes);
            g.writeEndObject();
            g.writeRaw('\n');
        }
    }

    private static double round(double v) {
        return Math.round(v * 10000.0) / 10000.0;
    }
}
