package io.cdnguard.samples.backtest.sim;

import java.util.ArrayList;
import java.util.List;

/** One simulated request as written to a trace line. Mutable and reused by the simulator. */
public final class SimRecord {

    /** What produced the record (for the ground truth's record counts). */
    public enum Kind {
        /** A CDN cache fill or revalidation. */
        CDN_FILL,
        /** A CDN fetch answered with an upstream error (gateway view). */
        CDN_ERROR,
        /** A CDN fetch of a missing object. */
        CDN_404,
        /** An API call passed through the CDN (gateway view). */
        API,
        /** A load-balancer probe. */
        PROBE,
        /** A direct browser hit. */
        DIRECT,
        /** A crawler or scanner. */
        BOT
    }

    /** What produced it. */
    public Kind kind;
    /** When the response completed (as written), epoch ms. */
    public long ts;
    /** Method. */
    public String method = "GET";
    /** Path. */
    public String path;
    /** Status. */
    public int status;
    /** Body bytes. */
    public long bytes;
    /** Duration in ms. */
    public double durationMs;
    /** Backend (gateway view), or null. */
    public String backend;
    /** Upstream error label, or null. */
    public String error;
    /** Request header names (lower case) and values, in order. */
    public final List<String> req = new ArrayList<>();
    /** Response header names (lower case) and values, in order. */
    public final List<String> resp = new ArrayList<>();

    SimRecord clear() {
        kind = null;
        method = "GET";
        path = null;
        status = 0;
        bytes = 0;
        durationMs = 0;
        backend = null;
        error = null;
        req.clear();
        resp.clear();
        return this;
    }

    SimRecord req(String name, String value) {
        req.add(name);
        req.add(value);
        return this;
    }

    SimRecord resp(String name, String value) {
        resp.add(name);
        resp.add(value);
        return this;
    }

    /** The first value of a request header, or null. */
    public String reqHeader(String name) {
        for (int i = 0; i < req.size(); i += 2) {
            if (req.get(i).equals(name)) {
                return req.get(i + 1);
            }
        }
        return null;
    }

    /** The first value of a response header, or null. */
    public String respHeader(String name) {
        for (int i = 0; i < resp.size(); i += 2) {
            if (resp.get(i).equals(name)) {
                return resp.get(i + 1);
            }
        }
        return null;
    }
}
