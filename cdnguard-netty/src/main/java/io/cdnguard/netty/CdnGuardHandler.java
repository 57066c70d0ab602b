package io.cdnguard.netty;

import io.cdnguard.CdnGuard;
import io.cdnguard.Exchange;
import io.cdnguard.HeaderSource;
import io.cdnguard.UpstreamFailure;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records every HTTP exchange of one channel into a {@link CdnGuard}: pairs each request with its
 * response and calls {@link CdnGuard#record(Exchange)} when the response's last byte has been
 * written (the write's promise completed).
 *
 * <h2>Where it sits</h2>
 * Directly after the HTTP codec, before anything that answers requests (including {@link
 * CdnGuardEndpointHandler}, so that the endpoint's own requests pass through it and are classified
 * as {@code SELF}, never as CDN traffic):
 * <pre>
 *  HTTP/1.1 server channel                      HTTP/2 stream (child) channel
 *  +------------------------------+             +-----------------------------------------+
 *  |  your handlers               |             |  your handlers                          |
 *  +------------------------------+             +-----------------------------------------+
 *  |  CdnGuardEndpointHandler     | (optional)  |  CdnGuardEndpointHandler    (optional)  |
 *  +------------------------------+             +-----------------------------------------+
 *  |  CdnGuardHandler             |             |  CdnGuardHandler                        |
 *  +------------------------------+             +-----------------------------------------+
 *  |  HttpServerCodec             |             |  Http2StreamFrameToHttpObjectCodec(true)|
 *  +------------------------------+             +-----------------------------------------+
 *             socket                              Http2MultiplexHandler / Http2FrameCodec
 * </pre>
 * <pre>{@code
 * // HTTP/1.1, in ChannelInitializer.initChannel(ch):
 * ch.pipeline().addLast(new HttpServerCodec())
 *              .addLast(new CdnGuardHandler(guard))
 *              .addLast(new CdnGuardEndpointHandler(guard))
 *              .addLast(new MyAppHandler());
 * // HTTP/2 (h2c or after ALPN), on the connection channel:
 * ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build())
 *              .addLast(new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
 *                  protected void initChannel(Channel stream) {
 *                      stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true))
 *                                       .addLast(new CdnGuardHandler(guard))
 *                                       .addLast(new MyAppHandler());
 *                  }
 *              }));
 * }</pre>
 * One instance per channel (it is not {@code @Sharable}); it must run on the channel's event loop
 * (do not add it with a separate {@code EventExecutorGroup}).
 *
 * <h2>What it records</h2>
 * On an inbound {@link HttpRequest} it remembers the method, the path (a view of the URI up to
 * {@code ?}), the request headers (a view, not a copy), the client address (resolved once per
 * channel) and {@link System#nanoTime()}. On an outbound final {@link HttpResponse} it remembers the
 * status and response headers, counts body bytes of every {@link HttpContent}, {@link ByteBuf} and
 * {@link FileRegion} written after it, and when the {@link LastHttpContent} (or a {@code
 * FullHttpResponse}) is written it records the exchange once that write's promise completes: a
 * failed or cancelled write is recorded as {@linkplain Exchange#aborted() aborted}. The duration
 * runs from the request's arrival to the completion of the response's last write, which the
 * handler observes when the {@code flush} that completed it returns (see the implementation
 * notes). Interim {@code 1xx} responses ({@code 100 Continue}, {@code 103 Early Hints}) are
 * forwarded and not paired; {@code 101 Switching Protocols} is a final response. A channel that goes inactive with requests not yet
 * fully answered records each of them as aborted. Every message is forwarded unchanged; the
 * handler never retains or releases a message and never throws into the pipeline (its own
 * bookkeeping is wrapped, and {@link CdnGuard#record(Exchange)} never throws).
 *
 * <h2>Pipelining</h2>
 * HTTP/1.1 answers requests in the order they arrived, so the handler keeps a small FIFO ring of
 * pending exchanges per channel: each response is paired with the oldest request not yet answered.
 * With several requests in one flush, each is recorded with its own status, headers and duration
 * (measured from its own arrival). The ring holds at most {@code maxPipelined} exchanges (default
 * {@value #DEFAULT_MAX_PIPELINED}, requests received whose response write has not completed yet);
 * requests beyond that are not recorded, and their responses are recognised and skipped so that
 * pairing stays correct. They are counted in {@link #skipped()} and {@link #skippedTotal()}. A
 * response written with no request outstanding (an error page written before any request, say) is
 * skipped and counted the same way.
 *
 * <h2>Gateways</h2>
 * A gateway names the backend of the exchange it is answering with {@link #backend(Channel,
 * String)} (or {@link #upstreamFailure(Channel, String, UpstreamFailure)} when it failed), on the
 * server-side channel before it writes the response; the handler reads and clears both when the
 * response starts, and once more if the connection closes before the response completed (a backend
 * that reset mid-response, after which the gateway closes the client connection). {@link
 * UpstreamRecorder} does this from a connect listener.
 *
 * <h2>Implementation notes</h2>
 * Allocation-free per exchange beyond Netty's own work: the ring's exchange objects are created on
 * first use (one per concurrently pending request, so a connection without pipelining makes one or
 * two) and reused for the life of the channel; each is its own {@link Exchange} and its own
 * {@link HeaderSource} views (over Netty's header store, returning the stored {@code CharSequence}
 * values). The client address text is resolved once per channel.
 *
 * <p>Write completion without a listener in the common case: the exchange keeps the promise of its
 * last write, and {@code flush} checks it after {@code ctx.flush()} returns. On a socket with room
 * in its send buffer (and on an {@code EmbeddedChannel}) the flush writes the response and completes
 * the promise before it returns, so the exchange is recorded right there, successful or failed,
 * without a {@link ChannelFutureListener} (adding one and being notified costs three monitor
 * enter/exit pairs on the promise and a thread-local lookup). A promise still open after the flush (a
 * partial write on a full socket, an HTTP/2 stream whose parent flushes later, a flush held back by a
 * handler below) gets the exchange as its listener then, and the exchange is recorded when it
 * completes. A write's promise that is already done when {@code ctx.write} returns (a write failed
 * on the spot) is recorded at once (only that promise is tested per write); {@code
 * channelInactive} and {@code handlerRemoved} settle the rest the same way. The end time is therefore read when the flush returns rather than inside the
 * promise's completion: the same instant but for listeners the application added to that promise
 * beforehand, which run first. A {@code voidPromise()} write of the last content is the one case
 * that costs an allocation ({@link ChannelPromise#unvoid()}) and a listener, because a void promise
 * tells nothing about its outcome.
 *
 * <p>Message types: the classes {@code HttpServerCodec} and the HTTP/2 conversion produce ({@code
 * DefaultHttpRequest}, {@code DefaultFullHttpRequest}, {@code DefaultHttpResponse}, {@code
 * DefaultFullHttpResponse}, {@code DefaultHttpContent}, {@code DefaultLastHttpContent}) are
 * recognised by an exact class comparison before any {@code instanceof} against an interface:
 * an interface type check scans the class's secondary supertypes and overwrites the one-element
 * cache in the class's metadata, which Netty's codecs check against other interfaces too, so on a
 * busy server it misses and the cache line bounces between event-loop cores. Other message
 * classes take the general {@code instanceof} path.
 *
 * <p>The two clock reads ({@link System#nanoTime()} at the request, again when its response
 * completes) are the honest minimum for a duration: the start cannot be borrowed from a previous
 * exchange's end, because reads and writes of a connection interleave with idle time and other
 * connections' work between them. Where several exchanges really end at one instant they share
 * one read: pipelined responses completed by the same flush, and the exchanges a closing
 * connection aborts. (Pipelined requests decoded from one socket read could share a start the
 * same way, but knowing where a read batch ends takes a {@code channelReadComplete} handler call
 * on every read of every connection, which costs the common one-request-per-read connection more
 * than the clock read it would save for pipelining ones.) They are also the largest part of the
 * handler's own cost: {@code System.nanoTime()} is a vDSO {@code clock_gettime}, measured at 18 to
 * 24 ns on a VM with the {@code tsc} clocksource, so some 40 ns of the roughly 170 ns the handler
 * adds per exchange in {@code NettyHandlerBenchmark} (the core's {@code record} about 85, this
 * class's bookkeeping about 35, what Netty charges for any handler in this place about 10). A
 * coarse clock would be cheaper and dishonest for latencies of microseconds; Netty's own timing
 * ({@code IdleStateHandler}, the event loop's task deadlines) reads {@code System.nanoTime()} the
 * same way, once per event it times.
 *
 * <p>Reference stores per exchange are kept few: each costs a GC write barrier (with G1, a
 * StoreLoad fence when a long-lived exchange object is made to point at a new request's objects
 * in another region). The exchange being answered is found from the ring position rather than
 * kept in a field, the method name (the same constant {@code String} for every {@code GET}) is
 * stored only when it changes, and a recorded exchange drops its URI by storing {@code null}
 * (which has no barrier beyond the null test), not a {@code "/"} constant.
 *
 * <p>Every mutable field is written and read only on the channel's event loop ({@code
 * channelRead}, {@code write}, {@code flush}, {@code channelInactive}, {@code handlerRemoved} and
 * the promise listeners all run there), so there are no locks, CAS or volatiles; the only shared
 * state is the JVM-wide {@link LongAdder} of skipped exchanges, touched only when an exchange is
 * skipped.
 */
public final class CdnGuardHandler extends ChannelDuplexHandler {

    private static final Logger log = LoggerFactory.getLogger(CdnGuardHandler.class);

    /** The default bound on requests pending per channel: {@value}. */
    public static final int DEFAULT_MAX_PIPELINED = 64;

    /**
     * The backend that serves the exchange being answered on this (server-side) channel; set by a
     * gateway, read and cleared by the handler when the response starts. See {@link #backend(Channel, String)}.
     */
    public static final AttributeKey<String> BACKEND = AttributeKey.valueOf(CdnGuardHandler.class, "backend");

    /**
     * Why the backend of the exchange being answered failed; set by a gateway, read and cleared by the
     * handler when the response starts. See {@link #upstreamFailure(Channel, String, UpstreamFailure)}.
     */
    public static final AttributeKey<UpstreamFailure> UPSTREAM_FAILURE =
            AttributeKey.valueOf(CdnGuardHandler.class, "upstreamFailure");

    private static final Class<?> EMPTY_LAST_CONTENT = LastHttpContent.EMPTY_LAST_CONTENT.getClass();

    private static final LongAdder SKIPPED = new LongAdder();
    private static final AtomicBoolean OVERFLOW_LOGGED = new AtomicBoolean();
    private static final AtomicBoolean ERROR_LOGGED = new AtomicBoolean();

    private static final byte FREE = 0;
    private static final byte AWAITING = 1;
    private static final byte WRITING = 2;
    private static final byte COMPLETING = 3;
    private static final byte DONE = 4;

    private static final byte IDLE = 0;
    private static final byte RESPONSE = 1;
    private static final byte SKIPPING = 2;
    private static final byte INTERIM = 3;

    private final ExchangeSink sink;
    private final int maxPipelined;
    private final Pending[] ring;
    private final int mask;

    // Ring positions, as ever-increasing counters (compared by difference, so wrap-around is harmless):
    // head = oldest exchange not yet recorded, next = oldest request without a response started,
    // tail = where the next request goes. head <= next <= tail, tail - head <= maxPipelined.
    private int head;
    private int next;
    private int tail;
    private int skipResponses;
    // Exchanges whose last write was passed on but whose promise has neither been seen done nor been
    // given a listener: settled by flush, write, channelInactive and handlerRemoved.
    private int unsettled;
    private byte writing = IDLE;
    private Channel channel;
    private CharSequence clientAddress;
    private boolean clientAddressResolved;
    private long skipped;

    /**
     * Creates a handler for one channel that allows {@value #DEFAULT_MAX_PIPELINED} pipelined requests.
     *
     * @param guard the guard to record into
     */
    public CdnGuardHandler(CdnGuard guard) {
        this(guard, DEFAULT_MAX_PIPELINED);
    }

    /**
     * Creates a handler for one channel.
     *
     * @param guard the guard to record into
     * @param maxPipelined how many requests may be pending on the channel at once (1..4096); more are
     *     counted as skipped
     * @throws IllegalArgumentException if {@code maxPipelined} is out of range
     */
    public CdnGuardHandler(CdnGuard guard, int maxPipelined) {
        this(Objects.requireNonNull(guard, "guard")::record, maxPipelined);
    }

    /** Records into {@code sink} instead of a guard (tests). */
    CdnGuardHandler(ExchangeSink sink, int maxPipelined) {
        this.sink = Objects.requireNonNull(sink, "sink");
        if (maxPipelined < 1 || maxPipelined > 4096) {
            throw new IllegalArgumentException("maxPipelined must be 1..4096: " + maxPipelined);
        }
        this.maxPipelined = maxPipelined;
        int cap = Integer.highestOneBit(maxPipelined);
        if (cap < maxPipelined) {
            cap <<= 1;
        }
        this.ring = new Pending[cap];
        this.mask = cap - 1;
    }

    /**
     * Names the backend serving the exchange about to be answered on {@code serverChannel} (a gateway's
     * inbound channel, or the HTTP/2 stream channel), and clears any failure set before (a retry that
     * succeeded). Call it before writing the response.
     *
     * @param serverChannel the channel the {@link CdnGuardHandler} is on
     * @param backend the backend name, as declared with {@link CdnGuard.Builder#expectBackend(String)}
     */
    public static void backend(Channel serverChannel, String backend) {
        serverChannel.attr(BACKEND).set(backend);
        if (serverChannel.hasAttr(UPSTREAM_FAILURE)) {
            serverChannel.attr(UPSTREAM_FAILURE).set(null);
        }
    }

    /**
     * Marks the exchange about to be answered on {@code serverChannel} as failed upstream; it is
     * recorded with this backend and failure when its response (typically a 502) completes, or when the
     * connection closes without one.
     *
     * @param serverChannel the channel the {@link CdnGuardHandler} is on
     * @param backend the backend that was tried, or {@code null} if none was chosen
     * @param failure why it failed
     */
    public static void upstreamFailure(Channel serverChannel, String backend, UpstreamFailure failure) {
        serverChannel.attr(BACKEND).set(backend);
        serverChannel.attr(UPSTREAM_FAILURE).set(failure);
    }

    /** Exchanges not recorded by any handler in this JVM (pipelining beyond the bound, responses without a request). */
    public static long skippedTotal() {
        return SKIPPED.sum();
    }

    /**
     * Exchanges of this channel not recorded (pipelining beyond the bound, responses without a request).
     * Exact when read on the channel's event loop.
     */
    public long skipped() {
        return skipped;
    }

    /** Exchanges of this channel received and not yet recorded. Exact when read on the channel's event loop. */
    public int pending() {
        return tail - head;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (unsettled != 0) {
            try {
                settle(true);
            } catch (Throwable t) {
                internalError(t);
            }
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        try {
            Class<?> c = msg.getClass();
            if (c == DefaultHttpRequest.class || c == DefaultFullHttpRequest.class) {
                onRequest((DefaultHttpRequest) msg);
            } else if (c != DefaultHttpContent.class && c != DefaultLastHttpContent.class && c != EMPTY_LAST_CONTENT
                    && msg instanceof HttpRequest) {
                onRequest((HttpRequest) msg);
            }
        } catch (Throwable t) {
            internalError(t);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        ChannelPromise p = promise;
        try {
            p = onWrite(msg, promise);
        } catch (Throwable t) {
            internalError(t);
        }
        ctx.write(msg, p);
        if (unsettled != 0) {
            settleIfDone(p);
        }
    }

    /**
     * Records the exchanges whose writes are done if the write just passed on is done already (it
     * failed on the spot, or a handler below completed it). Only that write's promise is tested: the
     * common case (a write queued for the flush) costs one test, not a walk over the open exchanges
     * and a call; an earlier exchange completed meanwhile by some other flush is settled by the next
     * {@code flush}, {@code write} found done, {@code channelInactive} or {@code handlerRemoved}.
     */
    private void settleIfDone(ChannelPromise p) {
        try {
            if (p.isDone()) {
                settle(false);
            }
        } catch (Throwable t) {
            internalError(t);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) throws Exception {
        ctx.flush();
        if (unsettled != 0) {
            try {
                settle(true);
            } catch (Throwable t) {
                internalError(t);
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        try {
            abortPending();
        } catch (Throwable t) {
            internalError(t);
        }
        ctx.fireChannelInactive();
    }

    private void onRequest(HttpRequest request) {
        if (!clientAddressResolved) {
            clientAddressResolved = true;
            clientAddress = addressText(channel == null ? null : channel.remoteAddress());
        }
        if (tail - head >= maxPipelined) {
            if (tail - next > 0) {
                ring[(tail - 1) & mask].skipAfter++;
            } else {
                skipResponses++;
            }
            skip();
            if (OVERFLOW_LOGGED.compareAndSet(false, true)) {
                log.warn("A client pipelined more than {} requests on one connection; the excess is counted as skipped, not recorded",
                        maxPipelined);
            }
            return;
        }
        int slot = tail & mask;
        Pending p = ring[slot];
        if (p == null) {
            p = new Pending();
            ring[slot] = p;
        }
        p.start(request);
        tail++;
    }

    private ChannelPromise onWrite(Object msg, ChannelPromise promise) {
        // Exact classes first (class notes): in each branch the JIT knows the exact type, so the
        // calls below are direct and no interface type check runs.
        Class<?> c = msg.getClass();
        if (c == DefaultFullHttpResponse.class) {
            DefaultFullHttpResponse r = (DefaultFullHttpResponse) msg;
            return onResponse(r, true) ? promise : onLastContent(r.content().readableBytes(), promise);
        }
        if (c == DefaultHttpContent.class) {
            onContent(((DefaultHttpContent) msg).content().readableBytes());
            return promise;
        }
        if (c == DefaultLastHttpContent.class) {
            return onLastContent(((DefaultLastHttpContent) msg).content().readableBytes(), promise);
        }
        if (c == DefaultHttpResponse.class) {
            onResponse((DefaultHttpResponse) msg, false);
            return promise;
        }
        if (c == EMPTY_LAST_CONTENT) {
            return onLastContent(0, promise);
        }
        if (msg instanceof HttpResponse && onResponse((HttpResponse) msg, msg instanceof LastHttpContent)) {
            return promise;
        }
        if (msg instanceof HttpContent) {
            long n = ((HttpContent) msg).content().readableBytes();
            if (msg instanceof LastHttpContent) {
                return onLastContent(n, promise);
            }
            onContent(n);
        } else if (msg instanceof ByteBuf) {
            onContent(((ByteBuf) msg).readableBytes());
        } else if (msg instanceof FileRegion) {
            onContent(((FileRegion) msg).count());
        }
        return promise;
    }

    /**
     * A response head is written. Returns {@code true} for an interim ({@code 1xx} but {@code 101})
     * response, whose own content, if any, is not the final response's.
     */
    private boolean onResponse(HttpResponse response, boolean last) {
        int code = response.status().code();
        if (code >= 100 && code < 200 && code != 101) {
            // Interim response: not the final one; its own LastHttpContent (if separate) is skipped too.
            if (writing == RESPONSE) {
                return true; // a 1xx after the final response started: malformed, ignore
            }
            writing = last ? IDLE : INTERIM;
            return true;
        }
        beginResponse(response, code);
        return false;
    }

    private void onContent(long bytes) {
        if (writing == RESPONSE) {
            current().bytes += bytes;
        }
    }

    private ChannelPromise onLastContent(long bytes, ChannelPromise promise) {
        onContent(bytes);
        return endResponse(promise);
    }

    private void beginResponse(HttpResponse response, int code) {
        if (writing == RESPONSE) {
            // The previous response never wrote its LastHttpContent: take it as complete now.
            writing = IDLE;
            current().finish(false, System.nanoTime());
        }
        if (skipResponses > 0) {
            skipResponses--;
            writing = SKIPPING;
            return;
        }
        if (next == tail) {
            skip();
            writing = SKIPPING;
            return;
        }
        Pending p = ring[next & mask];
        next++;
        skipResponses += p.skipAfter;
        p.skipAfter = 0;
        p.respond(response, code);
        writing = RESPONSE;
    }

    private ChannelPromise endResponse(ChannelPromise promise) {
        byte w = writing;
        writing = IDLE;
        if (w != RESPONSE) {
            return promise;
        }
        Pending p = current();
        p.state = COMPLETING;
        if (promise.isVoid()) {
            ChannelPromise real = promise.unvoid();
            p.listening = true;
            real.addListener(p);
            return real;
        }
        p.promise = promise;
        unsettled++;
        return promise;
    }

    /**
     * Records the exchanges whose last write completed; with {@code listen}, hands the others to their
     * promise as its listener. Oldest first, so that exchanges completed by one flush are recorded in
     * the order they were answered. Exchanges found done by one call share one clock read for their
     * end: they all completed during the write or flush that just returned.
     */
    private void settle(boolean listen) {
        int end = next;
        long now = 0;
        boolean timed = false;
        for (int i = head; i != end && unsettled > 0; i++) {
            Pending p = ring[i & mask];
            if (p == null || p.state != COMPLETING || p.listening) {
                continue;
            }
            ChannelPromise f = p.promise;
            if (f.isDone()) {
                unsettled--;
                if (!timed) {
                    now = System.nanoTime();
                    timed = true;
                }
                p.finish(!f.isSuccess(), now);
            } else if (listen) {
                unsettled--;
                p.listening = true;
                f.addListener(p);
            }
        }
    }

    private void abortPending() {
        if (unsettled != 0) {
            settle(true); // a close fails the writes still queued: recorded now, as aborted
        }
        int end = tail;
        long now = System.nanoTime(); // every exchange still open ends with the connection, now
        for (int i = head; i != end; i++) {
            Pending p = ring[i & mask];
            if (p != null && (p.state == AWAITING || p.state == WRITING)) {
                // A gateway that failed mid-response (or before answering) and closed the connection
                // named the backend and failure for the exchange in progress: the response being
                // written, else the oldest unanswered request.
                if (p.state == WRITING || i == next) {
                    p.readAttributes();
                }
                p.finish(true, now);
            }
        }
        writing = IDLE;
        next = tail;
        skipResponses = 0;
    }

    /**
     * The exchange whose response is being written: the one most recently paired, while {@code
     * writing == RESPONSE} (it cannot be recorded before its last write, so {@code head} has not
     * passed it). Derived from {@code next} rather than kept in a field: one reference store fewer per
     * exchange (see the class notes on reference stores).
     */
    private Pending current() {
        return ring[(next - 1) & mask];
    }

    private void advanceHead() {
        while (tail - head > 0) {
            Pending p = ring[head & mask];
            if (p.state != DONE) {
                return;
            }
            p.state = FREE;
            head++;
        }
    }

    private void skip() {
        skipped++;
        SKIPPED.increment();
    }

    private static void internalError(Throwable t) {
        if (ERROR_LOGGED.compareAndSet(false, true)) {
            log.warn("cdnguard could not track an exchange; it is skipped (further errors are logged at debug)", t);
        } else {
            log.debug("cdnguard could not track an exchange", t);
        }
    }

    private static CharSequence addressText(SocketAddress address) {
        if (address instanceof InetSocketAddress) {
            InetAddress a = ((InetSocketAddress) address).getAddress();
            return a == null ? null : a.getHostAddress();
        }
        return null;
    }

    /** One request/response pair in flight; reused for the life of the channel. */
    private final class Pending implements Exchange, ChannelFutureListener {
        final UriPath path = new UriPath();
        final NettyHeaderSource requestHeaders = new NettyHeaderSource();
        final NettyHeaderSource responseHeaders = new NettyHeaderSource();
        byte state = FREE;
        boolean listening;
        ChannelPromise promise;
        int skipAfter;
        String method = "";
        int status;
        long bytes;
        long startNanos;
        long durationNanos;
        boolean aborted;
        String backend;
        UpstreamFailure failure;

        void start(HttpRequest request) {
            startNanos = System.nanoTime();
            String m = request.method().name();
            if (method != m) {
                method = m; // the same constant for every GET: no reference store (class notes)
            }
            path.set(request.uri());
            requestHeaders.set(request.headers());
            // responseHeaders, backend, failure and promise are null here: a new exchange object, or
            // one that finish() cleared (the only way back to FREE)
            status = 0;
            bytes = -1;
            durationNanos = -1;
            aborted = false;
            skipAfter = 0;
            listening = false;
            state = AWAITING;
        }

        void respond(HttpResponse response, int code) {
            status = code;
            bytes = 0;
            responseHeaders.set(response.headers());
            readAttributes();
            state = WRITING;
        }

        void readAttributes() {
            Channel ch = channel;
            if (ch == null) {
                return;
            }
            if (ch.hasAttr(BACKEND)) {
                String b = ch.attr(BACKEND).getAndSet(null);
                if (b != null) {
                    backend = b;
                }
            }
            if (ch.hasAttr(UPSTREAM_FAILURE)) {
                UpstreamFailure f = ch.attr(UPSTREAM_FAILURE).getAndSet(null);
                if (f != null) {
                    failure = f;
                }
            }
        }

        @Override
        public void operationComplete(ChannelFuture future) {
            if (state != COMPLETING) {
                return;
            }
            try {
                finish(!future.isSuccess(), System.nanoTime());
            } catch (Throwable t) {
                internalError(t);
            }
        }

        void finish(boolean abort, long endNanos) {
            aborted = abort;
            durationNanos = endNanos - startNanos;
            try {
                sink.record(this);
            } catch (Throwable t) {
                internalError(t);
            }
            requestHeaders.clear();
            responseHeaders.clear();
            path.release();
            backend = null;
            failure = null;
            promise = null;
            state = DONE;
            advanceHead();
        }

        @Override
        public String method() {
            return method;
        }

        @Override
        public CharSequence path() {
            return path;
        }

        @Override
        public int status() {
            return status;
        }

        @Override
        public long responseBytes() {
            return bytes;
        }

        @Override
        public long durationNanos() {
            return durationNanos;
        }

        @Override
        public HeaderSource requestHeaders() {
            return requestHeaders;
        }

        @Override
        public HeaderSource responseHeaders() {
            return responseHeaders;
        }

        @Override
        public CharSequence clientAddress() {
            return clientAddress;
        }

        @Override
        public boolean aborted() {
            return aborted;
        }

        @Override
        public String backend() {
            return backend;
        }

        @Override
        public UpstreamFailure failure() {
            return failure;
        }
    }
}
