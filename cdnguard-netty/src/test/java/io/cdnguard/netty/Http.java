package io.cdnguard.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Test messages with real CDN request headers. Buffers come from the default (pooled, direct) allocator,
 * whose buffers the leak detector tracks; unpooled heap buffers are not tracked.
 */
final class Http {

    private Http() {
    }

    /** A GET as CloudFront sends it to an origin. */
    static FullHttpRequest cloudFront(String uri) {
        return cloudFront(HttpMethod.GET, uri);
    }

    static FullHttpRequest cloudFront(HttpMethod method, String uri) {
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri, ByteBufAllocator.DEFAULT.buffer(0));
        r.headers().set(HttpHeaderNames.HOST, "origin.example.com")
                .set(HttpHeaderNames.USER_AGENT, "Amazon CloudFront")
                .set(HttpHeaderNames.VIA, "1.1 5f7a3b2e9c1d.cloudfront.net (CloudFront)")
                .set("x-amz-cf-id", "Q2xvdWRGcm9udElkLTEyMzQ1Njc4OTBhYmNkZWZnaGlqa2xtbm9w==")
                .set("x-amz-cf-pop", "FRA56-P1");
        return r;
    }

    /** A 200 with a body of {@code n} bytes and {@code Cache-Control: max-age=<maxAge>}. */
    static FullHttpResponse ok(int n, int maxAge) {
        ByteBuf body = ByteBufAllocator.DEFAULT.buffer(n);
        body.writeZero(n);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "public, max-age=" + maxAge)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, n);
        return r;
    }

    static FullHttpResponse status(HttpResponseStatus status) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, ByteBufAllocator.DEFAULT.buffer(0));
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        return r;
    }

    static ByteBuf ascii(String s) {
        return ByteBufUtil.writeAscii(ByteBufAllocator.DEFAULT, s);
    }
}
