package io.cdnguard.samples.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.BackendStats;
import io.cdnguard.Cdn;
import io.cdnguard.CdnGuard;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.MutableExchange;
import io.cdnguard.PopStats;
import io.cdnguard.RequestKind;
import io.cdnguard.internal.GuardSnapshotImpl;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openjdk.jol.info.GraphLayout;
import org.openjdk.jol.vm.VM;
import org.openjdk.jol.vm.VirtualMachine;

/**
 * Cardinality attack (issue 8) on the Jetty sample over real HTTP/1.1 keep-alive sockets: 100k
 * distinct paths, 10k distinct made-up {@code CDN-Loop} ids and 10k distinct CloudFront POP names
 * through {@link io.cdnguard.servlet.CdnGuardFilter}; then 20k distinct backend names. The bytes the
 * guard holds ({@link #ownedSize}, JOL sizes) are measured after 10k and after 100k requests and must
 * not grow with the number of distinct values; the metrics page and health JSON stay the same size; no request is lost (the
 * ones beyond the caps are counted in the overflow counters).
 *
 * <p>Backend names: the servlet adapter has no way for a servlet gateway to name the backend of an
 * exchange (no request attribute; {@code Exchange.backend()} is always {@code null} there), so the
 * backend part records through the guard's public {@link CdnGuard#record} on the sample's guard, the
 * way a servlet-based proxy would have to. Figures are printed ({@code cardinality[...]}) for
 * docs/reliability.md; the full-size run is benchmarks/load/cardinality.sh.
 */
class JettyOriginCardinalityTest {

    static {
        // JOL cannot read field offsets of hidden classes (lambdas) through Unsafe on JDK 17 without this.
        System.setProperty("jol.magicFieldOffset", "true");
    }

    static final int REQUESTS = Integer.getInteger("cardinality.requests", 100_000);
    static final int FIRST = Math.min(10_000, REQUESTS / 2);
    static final int CDN_LOOPS = Integer.getInteger("cardinality.cdnLoops", 10_000);
    static final int POPS = Integer.getInteger("cardinality.pops", 10_000);
    static final int BACKENDS = Integer.getInteger("cardinality.backends", 20_000);
    static final int PIPELINE = 32;
    static final long MAX_GROWTH_BYTES = 16 * 1024;
    /** Documented bound on the bytes the guard holds with the default configuration (docs/reliability.md). */
    static final long GUARD_BOUND_BYTES = 4L * 1024 * 1024;
    static final int DOC_BOUND_BYTES = 256 * 1024;
    static final int DOC_GROWTH_BYTES = 2 * 1024;

    private JettyOrigin origin;

    @AfterEach
    void stop() {
        if (origin != null) {
            origin.close();
        }
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS) // a hang guard only; ~30 s on a busy 2-core machine
    void sample_distinctPathsCdnLoopsPopsAndBackends_memoryAndOutputBounded_noCountLost() throws Exception {
        origin = JettyOrigin.start(JettyOrigin.Options.parse("--port", "0", "--host", "127.0.0.1",
                "--expect-backends", "b0,b1"));
        CdnGuard guard = origin.guard();
        try (RawClient client = new RawClient(origin.port())) {
            Attack attack = new Attack(false);
            attack.send(client, 0, 64);
            awaitTotal(guard, 64);
            attack.send(client, 64, FIRST);
            recordBackends(guard, 0, FIRST);
            Figures first = measure("jetty-sample", guard, client, attack.sent + FIRST, FIRST);
            attack.send(client, FIRST, REQUESTS);
            recordBackends(guard, FIRST, REQUESTS);
            Figures second = measure("jetty-sample", guard, client, attack.sent + REQUESTS + first.selfRequests, REQUESTS);
            assertBounded(first, second);

            long sent = attack.sent + REQUESTS + first.selfRequests + second.selfRequests;
            awaitTotal(guard, sent);
            GuardSnapshotImpl s = (GuardSnapshotImpl) guard.snapshot();
            assertThat(total(s)).as("every request counted").isEqualTo(sent);
            assertThat(s.cdnFetches(Cdn.OTHER)).as("CDN-Loop-only requests + backend exchanges")
                    .isEqualTo(attack.cdnLoopOnly + REQUESTS);
            assertThat(s.cdnFetches(Cdn.CLOUDFRONT)).as("CloudFront requests").isEqualTo(attack.cloudfront);
            assertThat(s.pops()).as("POP rows at most the default cap").hasSizeLessThanOrEqualTo(64);
            long popSum = s.pops().stream().mapToLong(PopStats::fetches).sum();
            assertThat(popSum + s.popOverflow()).as("POP fetches + overflow").isEqualTo(attack.cloudfront);
            assertThat(s.popOverflow()).as("overflow counted").isPositive();
            assertThat(s.expiry().tracked()).as("distinct paths reach the bounded expiry table")
                    .isGreaterThan(1_000).isLessThanOrEqualTo(65_536);
            assertThat(attack.status200).as("the '..' spellings were served").isGreaterThan(attack.sent / 2);
            assertThat(s.backends()).as("2 expected + at most 64 unknown rows").hasSizeLessThanOrEqualTo(2 + 64);
            long rows = s.backends().stream().mapToLong(BackendStats::exchanges).sum();
            assertThat(rows + s.unknownBackendOverflow()).as("backend exchanges + overflow").isEqualTo(REQUESTS);
            assertThat(s.unknownBackendOverflow()).isPositive();
        }
    }

    /**
     * Backend names of exchanges {@code from..to}, as a servlet gateway would have to report them (see
     * the class comment): one exchange each, through the guard's public recording API.
     */
    static void recordBackends(CdnGuard guard, int from, int to) {
        MutableExchange e = new MutableExchange();
        for (int i = from; i < to; i++) {
            guard.record(e.reset().method("GET").path("/gw/" + i).status(200)
                    .requestHeader("CDN-Loop", "loop-" + (i % CDN_LOOPS)).backend("b" + (i % BACKENDS)));
        }
    }

    /** The attack's requests: request {@code i} has its own path; the other values cycle. */
    static final class Attack {
        final boolean backends;
        long sent;
        long cdnLoopOnly;
        long cloudfront;
        long status200;

        Attack(boolean backends) {
            this.backends = backends;
        }

        /** Sends requests {@code from} (inclusive) to {@code to} (exclusive), {@value #PIPELINE} at a time. */
        void send(RawClient client, int from, int to) throws IOException {
            long t0 = System.nanoTime();
            ByteArrayOutputStream batch = new ByteArrayOutputStream(PIPELINE * 256);
            int inBatch = 0;
            for (int i = from; i < to; i++) {
                batch.writeBytes(request(i));
                if (++inBatch == PIPELINE || i == to - 1) {
                    int[] statuses = client.exchange(batch.toByteArray(), inBatch);
                    for (int st : statuses) {
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
    static long ownedSize(Object root, Map<Class<?>, long[]> byClass) {
        VirtualMachine vm = VM.current();
        IdentityHashMap<Object, Boolean> seen = new IdentityHashMap<>();
        ArrayDeque<Object> queue = new ArrayDeque<>();
        seen.put(root, Boolean.TRUE);
        queue.add(root);
        long total = 0;
        while (!queue.isEmpty()) {
            Object o = queue.poll();
            long size = vm.sizeOf(o);
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
                        enqueue(vm.getObject(o, vm.fieldOffset(f)), seen, queue);
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

    record Figures(String name, int requests, long guardBytes, int metricsBytes, int healthBytes, long selfRequests) {
    }

    /** Waits until everything sent is recorded, then measures the guard and its documents. */
    static Figures measure(String name, CdnGuard guard, RawClient client, long expectedTotal, int upTo) throws Exception {
        long t0 = System.nanoTime();
        awaitTotal(guard, expectedTotal);
        System.out.printf(Locale.ROOT, "cardinality[%s] recorded %d of %d (waited %d ms)%n", name,
                total(guard.snapshot()), expectedTotal, (System.nanoTime() - t0) / 1_000_000);
        guard.evaluateNow();
        System.gc();
        long t1 = System.nanoTime();
        GraphLayout layout = GraphLayout.parseInstance(guard);
        long reachable = layout.totalSize();
        Map<Class<?>, long[]> classes = new HashMap<>();
        long bytes = ownedSize(guard, classes);
        System.out.printf(Locale.ROOT, "cardinality[%s] JOL took %d ms%n", name, (System.nanoTime() - t1) / 1_000_000);
        if (Boolean.getBoolean("cardinality.footprint")) {
            System.out.println(layout.toFootprint());
            printClasses("cardinality[" + name + "] owned by the guard, by class:", classes, null);
        }
        Map<Class<?>, long[]> previous = CLASSES.put(name, classes);
        if (previous != null && bytes > OWNED.get(name) + MAX_GROWTH_BYTES / 4) {
            printClasses("cardinality[" + name + "] grew; by class, change since the previous measurement:", classes, previous);
        }
        OWNED.put(name, bytes);
        RawClient.Response metrics = client.get("/cdnguard/metrics");
        RawClient.Response health = client.get("/cdnguard/health");
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

    static void assertBounded(Figures first, Figures second) {
        assertThat(second.guardBytes).as("bytes the guard holds, %d then %d requests", first.requests, second.requests)
                .isLessThanOrEqualTo(first.guardBytes + MAX_GROWTH_BYTES)
                .isLessThanOrEqualTo(GUARD_BOUND_BYTES);
        assertThat(second.metricsBytes).isLessThanOrEqualTo(first.metricsBytes + DOC_GROWTH_BYTES)
                .isLessThanOrEqualTo(DOC_BOUND_BYTES);
        assertThat(second.healthBytes).isLessThanOrEqualTo(first.healthBytes + DOC_GROWTH_BYTES)
                .isLessThanOrEqualTo(DOC_BOUND_BYTES);
    }

    /** Every exchange recorded: CDN fetches, other kinds (SELF for the endpoint requests) and invalid ones. */
    static long total(GuardSnapshot s) {
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
    static void awaitTotal(CdnGuard guard, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && total(guard.snapshot()) < expected) {
            Thread.sleep(20);
        }
    }

    /** A minimal HTTP/1.1 client on one keep-alive socket that pipelines requests and reads the responses. */
    static final class RawClient implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;

        RawClient(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(30_000);
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        }

        /** Writes {@code requests} (already encoded) and reads {@code count} responses; returns their statuses. */
        int[] exchange(byte[] requests, int count) throws IOException {
            out.write(requests);
            out.flush();
            int[] statuses = new int[count];
            for (int i = 0; i < count; i++) {
                statuses[i] = read().status;
            }
            return statuses;
        }

        Response get(String path) throws IOException {
            out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return read();
        }

        record Response(int status, String body) {
        }

        private Response read() throws IOException {
            String statusLine = line();
            int status = Integer.parseInt(statusLine.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            for (String h = line(); !h.isEmpty(); h = line()) {
                String lower = h.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(h.substring(15).trim());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                } else if (lower.startsWith("connection:") && lower.contains("close")) {
                    throw new IOException("server closed the keep-alive connection: " + statusLine);
                }
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if (chunked) {
                for (long n = Long.parseLong(line().trim().split(";")[0], 16); n > 0;
                        n = Long.parseLong(line().trim().split(";")[0], 16)) {
                    body.write(in.readNBytes((int) n));
                    line();
                }
                for (String t = line(); !t.isEmpty(); t = line()) {
                    // trailers
                }
            } else if (length > 0) {
                byte[] b = in.readNBytes((int) length);
                if (b.length < length) {
                    throw new EOFException("body cut short");
                }
                body.write(b);
            }
            return new Response(status, body.toString(StandardCharsets.UTF_8));
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder(64);
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new EOFException("connection closed");
                }
                if (c != '\r') {
                    sb.append((char) c);
                }
            }
            return sb.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
