package io.cdnguard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.BackendStats;
import io.cdnguard.Cdn;
import io.cdnguard.CdnGuard;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.PopStats;
import io.cdnguard.RequestKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * The cardinality attack (issue 8) on a sample origin over real HTTP/1.1 keep-alive sockets, shared by
 * the Netty and Jetty samples' tests: 100k distinct paths, 10k distinct made-up {@code CDN-Loop} ids,
 * 10k distinct CloudFront POP names and 20k distinct backend names (request {@code i} has its own
 * path; the other values cycle). The bytes the guard holds ({@link #ownedSize}, JOL sizes) are measured
 * after 10k and after 100k requests ({@link #measure}): they must not grow with the number of distinct
 * values ({@link #assertBounded}); the metrics page and health JSON stay the same size; and no request
 * is lost: every one is counted, the ones beyond the caps in the overflow counters.
 *
 * <p>Sizes come from JOL, a test dependency of the samples (not of the core): the sample test passes
 * it in as a {@link Heap}. Figures are printed to standard output ({@code cardinality[...]}) for
 * docs/reliability.md. The full-size run (1M / 100k / 10k) is benchmarks/load/cardinality.sh.
 */
public final class CardinalityAttack {

    private CardinalityAttack() {
    }

    /** Requests per run; every one has its own path. */
    public static final int REQUESTS = Integer.getInteger("cardinality.requests", 100_000);
    /** The first measurement is taken after this many requests. */
    public static final int FIRST = Math.min(10_000, REQUESTS / 2);
    /** Distinct made-up {@code CDN-Loop} ids. */
    public static final int CDN_LOOPS = Integer.getInteger("cardinality.cdnLoops", 10_000);
    /** Distinct CloudFront POP names. */
    public static final int POPS = Integer.getInteger("cardinality.pops", 10_000);
    /** Distinct backend names. */
    public static final int BACKENDS = Integer.getInteger("cardinality.backends", 20_000);
    /** Requests sent back to back on one connection before reading their responses (below the Netty handler's 64). */
    static final int PIPELINE = 32;
    /** Growth of the guard's bytes allowed between the two measurements: far below one byte per distinct value. */
    static final long MAX_GROWTH_BYTES = 16 * 1024;
    /**
     * Documented bound on the bytes the guard holds with the default configuration (docs/reliability.md):
     * counters, backend/POP tables at their caps, the 65,536-entry expiry table (about 2.1 MB on 2 cores)
     * and the cdn-traffic detector's sample ring with its per-sample POP-share figures and weekly POP
     * history (about 3.2 MB; 5.27 MB in all, measured 2026-11-24), fit in 6 MiB.
     */
    static final long GUARD_BOUND_BYTES = 6L * 1024 * 1024;
    /** Metrics and health documents: bounded by the caps, not by traffic. */
    static final int DOC_BOUND_BYTES = 256 * 1024;
    static final int DOC_GROWTH_BYTES = 2 * 1024;

    /**
     * What JOL measures, passed in by the sample tests.
     *
     * @param sizeOf         shallow size of one object ({@code VM.current()::sizeOf})
     * @param field          a reference field's value ({@code vm.getObject(o, vm.fieldOffset(f))})
     * @param reachableBytes JOL's {@code GraphLayout.parseInstance(root).totalSize()} (printed only)
     * @param footprint      JOL's {@code GraphLayout.parseInstance(root).toFootprint()} (printed on request)
     */
    public record Heap(ToLongFunction<Object> sizeOf, BiFunction<Object, Field, Object> field,
            ToLongFunction<Object> reachableBytes, Function<Object, String> footprint) {
    }

    /** A keep-alive connection for the attack: 30 s read timeout. */
    public static RawConnection connect(int port) throws IOException {
        return new RawConnection(port, 30_000);
    }

    /** The attack's requests: request {@code i} has its own path; the other values cycle. */
    public static final class Attack {
        final boolean backends;
        /** Requests sent so far. */
        public long sent;
        /** Of those, recognised by {@code CDN-Loop} only (made-up CDN: {@link Cdn#OTHER}). */
        public long cdnLoopOnly;
        /** Of those, CloudFront's. */
        public long cloudfront;
        /** Of those, answered 200. */
        public long status200;

        /** An attack; with {@code backends}, the {@code Host} names one of {@link #BACKENDS} virtual hosts. */
        public Attack(boolean backends) {
            this.backends = backends;
        }

        /** Sends requests {@code from} (inclusive) to {@code to} (exclusive), {@value #PIPELINE} at a time. */
        public void send(RawConnection client, int from, int to) throws IOException {
            long t0 = System.nanoTime();
            ByteArrayOutputStream batch = new ByteArrayOutputStream(PIPELINE * 256);
            int inBatch = 0;
            for (int i = from; i < to; i++) {
                batch.writeBytes(request(i));
                if (++inBatch == PIPELINE || i == to - 1) {
                    client.send(batch.toByteArray());
                    for (int k = 0; k < inBatch; k++) {
                        int st = readKeepAlive(client).status;
                        assertThat(st).as("status").isIn(200, 404);
                        if (st == 200) {
                            status200++;
                        }
                    }
                    batch.reset();
                    inBatch = 0;
                }
            }
            System.out.printf(Locale.ROOT, "cardinality: sent requests %d..%d in %d ms%n", from, to,
                    (System.nanoTime() - t0) / 1_000_000);
        }

        byte[] request(int i) {
            StringBuilder r = new StringBuilder(256);
            // Three of four paths are distinct spellings of /app.js (served, cacheable: they reach the
            // expiry table); the fourth is a distinct missing file (404).
            String path = (i & 3) == 3 ? "/missing/" + i + ".png" : "/c/" + i + "/../../app.js";
            r.append("GET ").append(path).append(" HTTP/1.1\r\n");
            r.append("Host: ").append(backends ? "b" + (i % BACKENDS) + ".backends.example" : "origin.example").append("\r\n");
            r.append("CDN-Loop: loop-").append(i % CDN_LOOPS).append("\r\n");
            if ((i & 1) == 1) {
                // CloudFront (recognised first); its POP name is one of POPS made-up airport codes.
                r.append("X-Amz-Cf-Id: ").append("Qa1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvWxYz==").append("\r\n");
                r.append("X-Amz-Cf-Pop: ").append(letters(i % POPS)).append("5-P1\r\n");
                cloudfront++;
            } else {
                cdnLoopOnly++;
            }
            r.append("\r\n");
            sent++;
            return r.toString().getBytes(StandardCharsets.ISO_8859_1);
        }

        /** 5 upper-case letters naming {@code n} (base 26). */
        static String letters(int n) {
            char[] c = new char[5];
            for (int k = 4; k >= 0; k--) {
                c[k] = (char) ('A' + n % 26);
                n /= 26;
            }
            return new String(c);
        }
    }

    /** Reads one response; the server must keep the connection open. */
    static RawConnection.Reply readKeepAlive(RawConnection client) throws IOException {
        RawConnection.Reply r = client.read();
        if (r.connectionClose()) {
            throw new IOException("server closed the keep-alive connection: " + r.status);
        }
        return r;
    }

    /** GET {@code path} on the keep-alive connection. */
    static RawConnection.Reply get(RawConnection client, String path) throws IOException {
        client.send(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        return readKeepAlive(client);
    }

    /** The last measurement per run name, for the growth diagnostics. */
    static final Map<String, Map<Class<?>, long[]>> CLASSES = new HashMap<>();
    static final Map<String, Long> OWNED = new HashMap<>();

    /**
     * Bytes of the objects reachable from {@code root} without passing through a {@link Thread}, {@link
     * ThreadGroup}, {@link ClassLoader} or {@link Class}: what the guard itself holds. (JOL's {@code
     * GraphLayout} follows the guard's references to threads, its evaluation thread and the recording
     * threads that own counter stripes, into their thread-locals and thread group, and so into the
     * server's own state, such as Jetty's per-path filter-chain cache: not cdnguard's memory, and not
     * steady.) Field values are read through JOL, shallow sizes are JOL's.
     */
    static long ownedSize(Heap heap, Object root, Map<Class<?>, long[]> byClass) {
        IdentityHashMap<Object, Boolean> seen = new IdentityHashMap<>();
        ArrayDeque<Object> queue = new ArrayDeque<>();
        seen.put(root, Boolean.TRUE);
        queue.add(root);
        long total = 0;
        while (!queue.isEmpty()) {
            Object o = queue.poll();
            long size = heap.sizeOf().applyAsLong(o);
            total += size;
            long[] c = byClass.computeIfAbsent(o.getClass(), k -> new long[2]);
            c[0]++;
            c[1] += size;
            Class<?> type = o.getClass();
            if (type.isArray()) {
                if (!type.getComponentType().isPrimitive()) {
                    for (Object e : (Object[]) o) {
                        enqueue(e, seen, queue);
                    }
                }
                continue;
            }
            for (Class<?> k = type; k != null; k = k.getSuperclass()) {
                for (Field f : k.getDeclaredFields()) {
                    if (!Modifier.isStatic(f.getModifiers()) && !f.getType().isPrimitive()) {
                        enqueue(heap.field().apply(o, f), seen, queue);
                    }
                }
            }
        }
        return total;
    }

    private static void enqueue(Object v, IdentityHashMap<Object, Boolean> seen, ArrayDeque<Object> queue) {
        if (v == null || v instanceof Thread || v instanceof ThreadGroup || v instanceof ClassLoader
                || v instanceof Class) {
            return;
        }
        if (seen.put(v, Boolean.TRUE) == null) {
            queue.add(v);
        }
    }

    /** Prints the classes by bytes (or by change in bytes against {@code before}), largest first. */
    static void printClasses(String title, Map<Class<?>, long[]> now, Map<Class<?>, long[]> before) {
        System.out.println(title);
        now.entrySet().stream()
                .map(e -> {
                    long[] b = before == null ? new long[2] : before.getOrDefault(e.getKey(), new long[2]);
                    return new Object[] {e.getKey().getName(), e.getValue()[0] - b[0], e.getValue()[1] - b[1]};
                })
                .filter(r -> before == null || (long) r[2] != 0)
                .sorted((a, b) -> Long.compare(Math.abs((long) b[2]), Math.abs((long) a[2])))
                .limit(20)
                .forEach(r -> System.out.printf(Locale.ROOT, "  %10d %12d  %s%n", r[1], r[2], r[0]));
    }

    /**
     * One measurement.
     *
     * @param selfRequests the requests to the guard's own endpoints the measurement made (recorded as SELF)
     */
    public record Figures(String name, int requests, long guardBytes, int metricsBytes, int healthBytes, long selfRequests) {
    }

    /** Waits until everything sent is recorded, then measures the guard and its documents. */
    public static Figures measure(Heap heap, String name, CdnGuard guard, RawConnection client, long expectedTotal, int upTo)
            throws Exception {
        long t0 = System.nanoTime();
        awaitTotal(guard, expectedTotal);
        System.out.printf(Locale.ROOT, "cardinality[%s] recorded %d of %d (waited %d ms)%n", name,
                total(guard.snapshot()), expectedTotal, (System.nanoTime() - t0) / 1_000_000);
        guard.evaluateNow();
        System.gc();
        long t1 = System.nanoTime();
        long reachable = heap.reachableBytes().applyAsLong(guard);
        Map<Class<?>, long[]> classes = new HashMap<>();
        long bytes = ownedSize(heap, guard, classes);
        System.out.printf(Locale.ROOT, "cardinality[%s] JOL took %d ms%n", name, (System.nanoTime() - t1) / 1_000_000);
        if (Boolean.getBoolean("cardinality.footprint")) {
            System.out.println(heap.footprint().apply(guard));
            printClasses("cardinality[" + name + "] owned by the guard, by class:", classes, null);
        }
        Map<Class<?>, long[]> previous = CLASSES.put(name, classes);
        if (previous != null && bytes > OWNED.get(name) + MAX_GROWTH_BYTES / 4) {
            printClasses("cardinality[" + name + "] grew; by class, change since the previous measurement:", classes, previous);
        }
        OWNED.put(name, bytes);
        RawConnection.Reply metrics = get(client, "/cdnguard/metrics");
        RawConnection.Reply health = get(client, "/cdnguard/health");
        assertThat(metrics.status).isEqualTo(200);
        assertThat(health.status).isIn(200, 503);
        String text = metrics.body;
        assertThat(text).as("no attacker value reflected in the metrics")
                .doesNotContain("/c/").doesNotContain("/missing/").doesNotContain("loop-")
                .doesNotContain(".backends.example");
        assertThat(health.body).doesNotContain("/c/").doesNotContain("loop-");
        long backendLines = text.lines().filter(l -> l.startsWith("cdnguard_backend_exchanges_total{")).count();
        long popLines = text.lines().filter(l -> l.startsWith("cdnguard_cdn_pop_fetches_total{")).count();
        assertThat(backendLines).isLessThanOrEqualTo(2 + 64);
        assertThat(popLines).isLessThanOrEqualTo(64);
        Figures f = new Figures(name, upTo, bytes, metrics.body.length(), health.body.length(), 2);
        System.out.printf(Locale.ROOT,
                "cardinality[%s] requests=%d guardOwnedBytes=%d jolReachableBytes=%d metricsBytes=%d healthBytes=%d backendSeries=%d popSeries=%d%n",
                name, upTo, bytes, reachable, f.metricsBytes, f.healthBytes, backendLines, popLines);
        return f;
    }

    /** The guard's bytes and its documents did not grow with the number of distinct values, and stay within the bounds. */
    public static void assertBounded(Figures first, Figures second) {
        assertThat(second.guardBytes).as("bytes the guard holds, %d then %d requests", first.requests, second.requests)
                .isLessThanOrEqualTo(first.guardBytes + MAX_GROWTH_BYTES)
                .isLessThanOrEqualTo(GUARD_BOUND_BYTES);
        assertThat(second.metricsBytes).isLessThanOrEqualTo(first.metricsBytes + DOC_GROWTH_BYTES)
                .isLessThanOrEqualTo(DOC_BOUND_BYTES);
        assertThat(second.healthBytes).isLessThanOrEqualTo(first.healthBytes + DOC_GROWTH_BYTES)
                .isLessThanOrEqualTo(DOC_BOUND_BYTES);
    }

    /**
     * After an attack on a sample origin: every request counted, by CDN; the distinct POP names within
     * the cap, the rest in the overflow; the distinct paths in the bounded expiry table.
     *
     * @param sent               every exchange the guard should have recorded
     * @param otherCdnRecordings exchanges recorded with only a {@code CDN-Loop} besides the attack's
     */
    public static void assertPathsLoopsAndPopsCounted(GuardSnapshot s, Attack attack, long sent, long otherCdnRecordings) {
        assertThat(total(s)).as("every request counted").isEqualTo(sent);
        assertThat(s.cdnFetches(Cdn.OTHER)).as("CDN-Loop-only requests (+ %d recorded directly)", otherCdnRecordings)
                .isEqualTo(attack.cdnLoopOnly + otherCdnRecordings);
        assertThat(s.cdnFetches(Cdn.CLOUDFRONT)).as("CloudFront requests").isEqualTo(attack.cloudfront);
        assertThat(s.pops()).as("POP rows at most the default cap").hasSizeLessThanOrEqualTo(64);
        long popSum = s.pops().stream().mapToLong(PopStats::fetches).sum();
        assertThat(popSum + s.popOverflow()).as("POP fetches + overflow").isEqualTo(attack.cloudfront);
        assertThat(s.popOverflow()).as("overflow counted").isPositive();
        assertThat(s.expiry().tracked()).as("distinct paths reach the bounded expiry table")
                .isGreaterThan(1_000).isLessThanOrEqualTo(65_536);
        assertThat(attack.status200).as("the '..' spellings were served").isGreaterThan(attack.sent / 2);
    }

    /**
     * After {@code exchanges} exchanges named after {@link #BACKENDS} distinct backends (2 expected):
     * the rows within the cap, the rest in the overflow, none lost, all in the rolling window.
     */
    public static void assertBackendsBounded(GuardSnapshot s, long exchanges) {
        assertThat(s.backends()).as("2 expected + at most 64 unknown rows").hasSizeLessThanOrEqualTo(2 + 64);
        long rows = s.backends().stream().mapToLong(BackendStats::exchanges).sum();
        assertThat(rows + s.unknownBackendOverflow()).as("backend exchanges + overflow").isEqualTo(exchanges);
        assertThat(s.unknownBackendOverflow()).isPositive();
        assertThat(s.window().backendExchangesLast(s.window().buckets())).isEqualTo(exchanges);
    }

    /** Every exchange recorded: CDN fetches, other kinds (SELF for the endpoint requests) and invalid ones. */
    public static long total(GuardSnapshot s) {
        long n = s.cdnFetches() + s.invalid();
        for (RequestKind k : RequestKind.values()) {
            if (k != RequestKind.CDN) {
                n += s.otherRequests(k);
            }
        }
        return n;
    }

    /**
     * Waits (bounded) until the guard has recorded {@code expected} exchanges: a response is recorded
     * when its write completes, which may be just after the client read it. The callers then assert
     * exact totals, so a count lost shows as a failure there.
     */
    public static void awaitTotal(CdnGuard guard, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && total(guard.snapshot()) < expected) {
            Thread.sleep(20);
        }
    }
}
