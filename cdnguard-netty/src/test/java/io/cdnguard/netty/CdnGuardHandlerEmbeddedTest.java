package io.cdnguard.netty;

import static io.cdnguard.netty.Http.cloudFront;
import static io.cdnguard.netty.Http.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.Exchange;
import io.cdnguard.UpstreamFailure;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Edge cases of {@link CdnGuardHandler} that are hard to provoke over sockets, on an {@link EmbeddedChannel}. */
class CdnGuardHandlerEmbeddedTest {

    /** What the handler reported for one exchange, copied at record time. */
    record Rec(String method, String path, int status, long bytes, boolean aborted, String cacheControl,
            String userAgent, boolean conditional, long durationNanos, String backend, UpstreamFailure failure) {
        static Rec of(Exchange e) {
            CharSequence cc = e.responseHeaders().get("cache-control");
            CharSequence ua = e.requestHeaders().get("user-agent");
            return new Rec(e.method(), e.path().toString(), e.status(), e.responseBytes(), e.aborted(),
                    cc == null ? null : cc.toString(), ua == null ? null : ua.toString(), e.conditional(),
                    e.durationNanos(), e.backend(), e.failure());
        }
    }

    private final List<Rec> recorded = new ArrayList<>();

    @BeforeAll
    static void leaks() {
        LeakDetection.install();
    }

    @AfterEach
    void noLeaks() {
        LeakDetection.assertNoLeaks();
    }

    private CdnGuardHandler handler(int maxPipelined) {
        return new CdnGuardHandler(e -> recorded.add(Rec.of(e)), maxPipelined);
    }

    /** Reads and releases one inbound message, asserting it is the very object written, unreleased. */
    private static void consumeInbound(EmbeddedChannel ch, Object written) {
        Object in = ch.readInbound();
        assertThat(in).isSameAs(written);
        assertThat(ReferenceCountUtil.refCnt(in)).isEqualTo(1);
        ReferenceCountUtil.release(in);
    }

    private static void drainOutbound(EmbeddedChannel ch) {
        Object o;
        while ((o = ch.readOutbound()) != null) {
            ReferenceCountUtil.release(o);
        }
    }

    @Test
    void fullExchange_recordedOnceWithRequestAndResponseFacts() {
        CdnGuardHandler h = handler(64);
        EmbeddedChannel ch = new EmbeddedChannel(h);
        FullHttpRequest req = cloudFront("/static/app.js?v=42");
        req.headers().set(HttpHeaderNames.IF_NONE_MATCH, "\"abc\"");
        ch.writeInbound(req);
        consumeInbound(ch, req);
        assertThat(recorded).isEmpty();
        assertThat(h.pending()).isEqualTo(1);

        FullHttpResponse res = ok(1234, 3600);
        ch.writeOutbound(res);
        Object out = ch.readOutbound();
        assertThat(out).isSameAs(res);
        assertThat(res.refCnt()).isEqualTo(1);
        ReferenceCountUtil.release(out);

        assertThat(recorded).hasSize(1);
        Rec r = recorded.get(0);
        assertThat(r.method()).isEqualTo("GET");
        assertThat(r.path()).isEqualTo("/static/app.js");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bytes()).isEqualTo(1234);
        assertThat(r.aborted()).isFalse();
        assertThat(r.cacheControl()).isEqualTo("public, max-age=3600");
        assertThat(r.userAgent()).isEqualTo("Amazon CloudFront");
        assertThat(r.conditional()).isTrue();
        assertThat(r.durationNanos()).isNotNegative();
        assertThat(h.pending()).isZero();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void pipelinedRequests_pairedInOrderWithTheirOwnStatusAndHeaders() {
        EmbeddedChannel ch = new EmbeddedChannel(handler(64));
        FullHttpRequest r1 = cloudFront("/index.html");
        FullHttpRequest r2 = cloudFront("/style.css");
        r2.headers().set(HttpHeaderNames.IF_MODIFIED_SINCE, "Sun, 22 Nov 2026 10:00:00 GMT");
        FullHttpRequest r3 = cloudFront("/logo.svg");
        ch.writeInbound(r1, r2, r3);
        consumeInbound(ch, r1);
        consumeInbound(ch, r2);
        consumeInbound(ch, r3);

        ch.write(ok(10, 60));
        ch.write(Http.status(HttpResponseStatus.NOT_MODIFIED));
        ch.write(ok(30, 3600));
        assertThat(recorded).isEmpty(); // nothing flushed, nothing completed
        ch.flush();
        drainOutbound(ch);

        assertThat(recorded).extracting(Rec::path, Rec::status, Rec::cacheControl, Rec::conditional, Rec::bytes)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("/index.html", 200, "public, max-age=60", false, 10L),
                        org.assertj.core.groups.Tuple.tuple("/style.css", 304, null, true, 0L),
                        org.assertj.core.groups.Tuple.tuple("/logo.svg", 200, "public, max-age=3600", false, 30L));
        // One flush completed all three: they share their end, so an earlier request has the longer duration.
        assertThat(recorded).extracting(Rec::durationNanos).isSortedAccordingTo(java.util.Comparator.reverseOrder());
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void streamedResponse_recordedWhenLastContentWriteCompletes_bytesOfEveryPart() {
        EmbeddedChannel ch = new EmbeddedChannel(handler(64));
        FullHttpRequest req = cloudFront("/big.bin");
        ch.writeInbound(req);
        consumeInbound(ch, req);

        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED)
                .set(HttpHeaderNames.CACHE_CONTROL, "max-age=600");
        ch.writeOutbound(head);
        ch.writeOutbound(new DefaultHttpContent(Http.ascii("0123456789")));
        ByteBuf raw = io.netty.buffer.ByteBufAllocator.DEFAULT.buffer(5).writeZero(5);
        ch.writeOutbound(raw);
        assertThat(recorded).isEmpty();
        ch.writeOutbound(new DefaultLastHttpContent(Http.ascii("abc")));
        drainOutbound(ch);

        assertThat(recorded).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bytes()).isEqualTo(18);
            assertThat(r.cacheControl()).isEqualTo("max-age=600");
            assertThat(r.aborted()).isFalse();
        });
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void continueInterimResponses_notPairedWithTheRequest() {
        EmbeddedChannel ch = new EmbeddedChannel(handler(64));
        FullHttpRequest req = cloudFront(HttpMethod.PUT, "/upload");
        req.headers().set(HttpHeaderNames.EXPECT, HttpHeaderValues.CONTINUE);
        ch.writeInbound(req);
        consumeInbound(ch, req);

        ch.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        // An interim response written in two parts (103 Early Hints) is skipped as a whole, too.
        ch.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(103)));
        ch.writeOutbound(LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(recorded).isEmpty();
        ch.writeOutbound(Http.status(HttpResponseStatus.CREATED));
        drainOutbound(ch);

        assertThat(recorded).extracting(Rec::method, Rec::status).containsExactly(
                org.assertj.core.groups.Tuple.tuple("PUT", 201));
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void failedWrite_recordedAsAborted_messageReleasedOnceByWhoeverFailedIt() {
        ChannelDuplexHandler failing = new ChannelDuplexHandler() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                ReferenceCountUtil.release(msg);
                promise.setFailure(new IOException("Broken pipe"));
            }
        };
        EmbeddedChannel ch = new EmbeddedChannel(failing, handler(64));
        FullHttpRequest req = cloudFront("/a.css");
        ch.writeInbound(req);
        consumeInbound(ch, req);

        FullHttpResponse res = ok(100, 60);
        ch.writeAndFlush(res);
        assertThat(res.refCnt()).isZero();

        assertThat(recorded).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.aborted()).isTrue();
        });
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void voidPromise_stillRecorded() {
        EmbeddedChannel ch = new EmbeddedChannel(handler(64));
        FullHttpRequest req = cloudFront("/v");
        ch.writeInbound(req);
        consumeInbound(ch, req);
        ch.writeAndFlush(ok(3, 60), ch.voidPromise());
        drainOutbound(ch);
        assertThat(recorded).extracting(Rec::status, Rec::aborted).containsExactly(
                org.assertj.core.groups.Tuple.tuple(200, false));
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void connectionClosedMidResponse_andBeforeAnyResponse_recordedAsAborted() {
        EmbeddedChannel ch = new EmbeddedChannel(handler(64));
        FullHttpRequest r1 = cloudFront("/streaming");
        FullHttpRequest r2 = cloudFront("/never-answered");
        ch.writeInbound(r1, r2);
        consumeInbound(ch, r1);
        consumeInbound(ch, r2);
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        ch.writeOutbound(head, new DefaultHttpContent(Http.ascii("partial")));
        drainOutbound(ch);
        assertThat(recorded).isEmpty();

        ch.close();

        assertThat(recorded).extracting(Rec::path, Rec::status, Rec::aborted, Rec::bytes).containsExactly(
                org.assertj.core.groups.Tuple.tuple("/streaming", 200, true, 7L),
                org.assertj.core.groups.Tuple.tuple("/never-answered", 0, true, -1L));
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void exceptionInALaterHandler_passesByAndTheErrorResponseIsPaired() {
        ChannelInboundHandlerAdapter throwing = new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg);
                throw new IllegalStateException("application bug");
            }
        };
        List<Throwable> seen = new ArrayList<>();
        ChannelInboundHandlerAdapter errorPage = new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                seen.add(cause);
                ctx.writeAndFlush(Http.status(HttpResponseStatus.INTERNAL_SERVER_ERROR));
            }
        };
        EmbeddedChannel ch = new EmbeddedChannel(handler(64), throwing, errorPage);
        ch.writeInbound(cloudFront("/boom"));
        drainOutbound(ch);

        assertThat(seen).singleElement().isInstanceOf(IllegalStateException.class);
        assertThat(recorded).extracting(Rec::path, Rec::status, Rec::aborted).containsExactly(
                org.assertj.core.groups.Tuple.tuple("/boom", 500, false));
        ch.checkException();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void pipeliningBeyondTheBound_excessSkippedAndPairingStaysRight() {
        CdnGuardHandler h = handler(2);
        EmbeddedChannel ch = new EmbeddedChannel(h);
        FullHttpRequest r0 = cloudFront("/0");
        FullHttpRequest r1 = cloudFront("/1");
        FullHttpRequest r2 = cloudFront("/2");
        ch.writeInbound(r0, r1, r2); // /2 exceeds the bound of 2
        consumeInbound(ch, r0);
        consumeInbound(ch, r1);
        consumeInbound(ch, r2);
        assertThat(h.skipped()).isEqualTo(1);

        ch.writeOutbound(Http.status(HttpResponseStatus.valueOf(200))); // answers /0, frees a slot
        FullHttpRequest r3 = cloudFront("/3");
        ch.writeInbound(r3); // fits again, but is answered after /1 and the skipped /2
        consumeInbound(ch, r3);

        ch.writeOutbound(Http.status(HttpResponseStatus.valueOf(201)));  // /1
        ch.writeOutbound(Http.status(HttpResponseStatus.valueOf(202)));  // /2: skipped
        ch.writeOutbound(Http.status(HttpResponseStatus.valueOf(203)));  // /3
        drainOutbound(ch);

        assertThat(recorded).extracting(Rec::path, Rec::status).containsExactly(
                org.assertj.core.groups.Tuple.tuple("/0", 200),
                org.assertj.core.groups.Tuple.tuple("/1", 201),
                org.assertj.core.groups.Tuple.tuple("/3", 203));
        assertThat(h.skipped()).isEqualTo(1);
        assertThat(h.pending()).isZero();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void responseWithoutRequest_skippedNotRecorded() {
        CdnGuardHandler h = handler(64);
        EmbeddedChannel ch = new EmbeddedChannel(h);
        ch.writeOutbound(Http.status(HttpResponseStatus.REQUEST_TIMEOUT));
        drainOutbound(ch);
        assertThat(recorded).isEmpty();
        assertThat(h.skipped()).isEqualTo(1);
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void backendAndFailureAttributes_readForTheExchangeBeingAnswered_thenCleared() {
        EmbeddedChannel ch = new EmbeddedChannel(handler(64));
        FullHttpRequest r1 = cloudFront("/via-gateway");
        ch.writeInbound(r1);
        consumeInbound(ch, r1);
        CdnGuardHandler.upstreamFailure(ch, "asset-2", UpstreamFailure.CONNECT_REFUSED);
        ch.writeOutbound(Http.status(HttpResponseStatus.BAD_GATEWAY));

        FullHttpRequest r2 = cloudFront("/retry");
        ch.writeInbound(r2);
        consumeInbound(ch, r2);
        CdnGuardHandler.backend(ch, "asset-1");
        ch.writeOutbound(ok(5, 60));

        FullHttpRequest r3 = cloudFront("/next");
        ch.writeInbound(r3);
        consumeInbound(ch, r3);
        ch.writeOutbound(ok(5, 60));
        drainOutbound(ch);

        assertThat(recorded).extracting(Rec::status, Rec::backend, Rec::failure).containsExactly(
                org.assertj.core.groups.Tuple.tuple(502, "asset-2", UpstreamFailure.CONNECT_REFUSED),
                org.assertj.core.groups.Tuple.tuple(200, "asset-1", null),
                org.assertj.core.groups.Tuple.tuple(200, null, null));
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void backendResetMidResponse_gatewayCloses_recordedAbortedWithBackendAndFailure() {
        EmbeddedChannel ch = new EmbeddedChannel(handler(64));
        FullHttpRequest req = cloudFront("/large.mp4");
        ch.writeInbound(req);
        consumeInbound(ch, req);
        CdnGuardHandler.backend(ch, "asset-1");
        ch.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK),
                new DefaultHttpContent(Http.ascii("first bytes")));
        drainOutbound(ch);
        // the gateway learns of the reset, names it, then closes the client connection
        CdnGuardHandler.upstreamFailure(ch, "asset-1", UpstreamFailure.RESET);
        ch.close();

        assertThat(recorded).extracting(Rec::status, Rec::aborted, Rec::backend, Rec::failure).containsExactly(
                org.assertj.core.groups.Tuple.tuple(200, true, "asset-1", UpstreamFailure.RESET));
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void throwingSink_neverEscapesIntoThePipeline() {
        CdnGuardHandler h = new CdnGuardHandler(e -> {
            throw new IllegalStateException("sink broke");
        }, 64);
        EmbeddedChannel ch = new EmbeddedChannel(h);
        FullHttpRequest req = cloudFront("/x");
        ch.writeInbound(req);
        consumeInbound(ch, req);
        FullHttpResponse res = ok(1, 60);
        ch.writeOutbound(res);
        Object out = ch.readOutbound();
        assertThat(out).isSameAs(res);
        res.release();
        ch.checkException();
        assertThat(h.pending()).isZero();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    /** Keeps the writes it is given (and ignores flushes) until {@link #pass()}: a socket with a full send buffer. */
    static final class HoldingWrites extends ChannelOutboundHandlerAdapter {
        private final List<Object> messages = new ArrayList<>();
        private final List<ChannelPromise> promises = new ArrayList<>();
        private ChannelHandlerContext ctx;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            this.ctx = ctx;
            messages.add(msg);
            promises.add(promise);
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            // held back: nothing is written, no promise completes
        }

        /** Passes every held write on and flushes: their promises complete. */
        void pass() {
            for (int i = 0; i < messages.size(); i++) {
                ctx.write(messages.get(i), promises.get(i));
            }
            messages.clear();
            promises.clear();
            ctx.flush();
        }
    }

    @Test
    void writeNotCompletedByItsFlush_recordedWhenItsPromiseCompletesLater() {
        HoldingWrites holding = new HoldingWrites();
        CdnGuardHandler h = handler(64);
        EmbeddedChannel ch = new EmbeddedChannel(holding, h);
        FullHttpRequest r1 = cloudFront("/slow-1.js");
        FullHttpRequest r2 = cloudFront("/slow-2.js");
        ch.writeInbound(r1, r2);
        consumeInbound(ch, r1);
        consumeInbound(ch, r2);

        ch.writeAndFlush(ok(7, 60));
        ch.writeAndFlush(ok(9, 60));
        assertThat(recorded).isEmpty();
        assertThat(h.pending()).isEqualTo(2);

        holding.pass();
        drainOutbound(ch);
        assertThat(recorded).extracting(Rec::path, Rec::bytes, Rec::aborted).containsExactly(
                org.assertj.core.groups.Tuple.tuple("/slow-1.js", 7L, false),
                org.assertj.core.groups.Tuple.tuple("/slow-2.js", 9L, false));
        assertThat(h.pending()).isZero();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void writeFailedOnTheSpotWithoutAFlush_recordedAtOnceAsAborted() {
        ChannelOutboundHandlerAdapter failing = new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                ReferenceCountUtil.release(msg);
                promise.setFailure(new IOException("Connection reset by peer"));
            }
        };
        CdnGuardHandler h = handler(64);
        EmbeddedChannel ch = new EmbeddedChannel(failing, h);
        FullHttpRequest req = cloudFront("/reset.css");
        ch.writeInbound(req);
        consumeInbound(ch, req);

        ch.write(ok(4, 60)); // no flush follows

        assertThat(recorded).extracting(Rec::path, Rec::status, Rec::aborted).containsExactly(
                org.assertj.core.groups.Tuple.tuple("/reset.css", 200, true));
        assertThat(h.pending()).isZero();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void handlerRemovedWithAWriteOpen_recordedWhenTheWriteCompletes() {
        HoldingWrites holding = new HoldingWrites();
        CdnGuardHandler h = handler(64);
        EmbeddedChannel ch = new EmbeddedChannel(holding, h);
        FullHttpRequest req = cloudFront("/removed.js");
        ch.writeInbound(req);
        consumeInbound(ch, req);
        ch.write(ok(3, 60)); // the flush will not pass through the handler any more

        ch.pipeline().remove(h);
        assertThat(recorded).isEmpty();
        holding.pass();
        drainOutbound(ch);

        assertThat(recorded).extracting(Rec::path, Rec::aborted).containsExactly(
                org.assertj.core.groups.Tuple.tuple("/removed.js", false));
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void messagesOfOtherClasses_takeTheGeneralPath_pairedAndCountedTheSame() {
        EmbeddedChannel ch = new EmbeddedChannel(handler(64));
        // Subclasses are not the exact classes the fast path compares with.
        FullHttpRequest r1 = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/sub/full.js",
                io.netty.buffer.ByteBufAllocator.DEFAULT.buffer(0)) { };
        r1.headers().set(HttpHeaderNames.USER_AGENT, "Amazon CloudFront");
        FullHttpRequest r2 = cloudFront("/sub/streamed.bin");
        ch.writeInbound(r1, r2);
        consumeInbound(ch, r1);
        consumeInbound(ch, r2);

        FullHttpResponse full = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Http.ascii("12345")) { };
        full.headers().set(HttpHeaderNames.CACHE_CONTROL, "max-age=5");
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.PARTIAL_CONTENT) { };
        ch.writeOutbound(full, head, new DefaultHttpContent(Http.ascii("abcd")) { },
                Http.ascii("xy"), LastHttpContent.EMPTY_LAST_CONTENT);
        drainOutbound(ch);

        assertThat(recorded).extracting(Rec::path, Rec::status, Rec::bytes, Rec::cacheControl, Rec::userAgent)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("/sub/full.js", 200, 5L, "max-age=5", "Amazon CloudFront"),
                        org.assertj.core.groups.Tuple.tuple("/sub/streamed.bin", 206, 6L, null, "Amazon CloudFront"));
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void constructor_rejectsAbsurdBound() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new CdnGuardHandler(e -> { }, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new CdnGuardHandler(e -> { }, 5000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("5000");
    }
}
