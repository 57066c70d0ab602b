package io.cdnguard.samples.backtest;

import io.cdnguard.UpstreamFailure;
import io.cdnguard.samples.backtest.sim.SimRecord;
import io.cdnguard.samples.backtest.sim.TraceSink;

/**
 * Feeds simulated records straight into a {@link Backtest}, through the same {@link TraceExchange}
 * a trace reader fills, without writing a trace (the demo, the detection table and the acceptance
 * tests use it).
 */
public final class SimFeed implements TraceSink {

    private final Backtest backtest;
    private final TraceExchange ex = new TraceExchange();
    private long maxTs = Long.MIN_VALUE;

    /** Feeds {@code backtest}. */
    public SimFeed(Backtest backtest) {
        this.backtest = backtest;
    }

    /** Copies a simulated record into {@code ex}. */
    static void fill(SimRecord r, TraceExchange ex) {
        ex.reset();
        ex.method(r.method);
        ex.path(r.path);
        ex.status(r.status);
        ex.bytes(r.bytes);
        ex.durationNanos((long) (r.durationMs * 1_000_000));
        ex.backend(r.backend);
        ex.failure(UpstreamFailure.fromLabel(r.error));
        for (int i = 0; i < r.req.size(); i += 2) {
            ex.requestHeader(r.req.get(i), r.req.get(i + 1));
        }
        for (int i = 0; i < r.resp.size(); i += 2) {
            ex.responseHeader(r.resp.get(i), r.resp.get(i + 1));
        }
    }

    @Override
    public void accept(SimRecord r) {
        fill(r, ex);
        maxTs = Math.max(maxTs, r.ts);
        backtest.record(r.ts, ex);
    }

    /** The newest timestamp fed. */
    public long maxTs() {
        return maxTs;
    }
}
