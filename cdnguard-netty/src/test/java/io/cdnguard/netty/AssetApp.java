package io.cdnguard.netty;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * The application behind the handler in socket tests; answers synchronously, in order:
 * {@code /ttl/N} 200 with {@code max-age=N} and a 100-byte body; any request with {@code If-None-Match}
 * 304; {@code /chunked} three 1000-byte chunks; {@code /hang} a response head and 10 bytes, never finished;
 * anything else 404. Releases everything it reads.
 */
final class AssetApp extends ChannelInboundHandlerAdapter {

    static final int TTL_BODY = 100;
    static final int CHUNK = 1000;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest) {
                answer(ctx, (HttpRequest) msg);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private static void answer(ChannelHandlerContext ctx, HttpRequest req) {
        String path = new UriPath().set(req.uri()).toString();
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (req.headers().contains(HttpHeaderNames.IF_NONE_MATCH)) {
            FullHttpResponse r = new DefaultFullHttpResponse(req.protocolVersion(), HttpResponseStatus.NOT_MODIFIED,
                    Unpooled.EMPTY_BUFFER);
            r.headers().set(HttpHeaderNames.ETAG, "\"v1\"");
            send(ctx, r, keepAlive);
        } else if (path.startsWith("/ttl/")) {
            FullHttpResponse r = new DefaultFullHttpResponse(req.protocolVersion(), HttpResponseStatus.OK,
                    ctx.alloc().buffer(TTL_BODY).writeZero(TTL_BODY));
            r.headers().set(HttpHeaderNames.CACHE_CONTROL, "public, max-age=" + path.substring(5))
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, TTL_BODY);
            send(ctx, r, keepAlive);
        } else if (path.equals("/chunked")) {
            HttpResponse head = new DefaultHttpResponse(req.protocolVersion(), HttpResponseStatus.OK);
            head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED)
                    .set(HttpHeaderNames.CACHE_CONTROL, "max-age=300");
            HttpUtil.setKeepAlive(head, keepAlive);
            ctx.write(head);
            for (int i = 0; i < 3; i++) {
                ctx.write(new DefaultHttpContent(ctx.alloc().buffer(CHUNK).writeZero(CHUNK)));
            }
            if (keepAlive) {
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            } else {
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
            }
        } else if (path.equals("/hang")) {
            HttpResponse head = new DefaultHttpResponse(req.protocolVersion(), HttpResponseStatus.OK);
            head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            ctx.write(head);
            ctx.writeAndFlush(new DefaultHttpContent(ctx.alloc().buffer(10).writeZero(10)));
        } else {
            FullHttpResponse r = new DefaultFullHttpResponse(req.protocolVersion(), HttpResponseStatus.NOT_FOUND,
                    Unpooled.EMPTY_BUFFER);
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
            send(ctx, r, keepAlive);
        }
    }

    private static void send(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive) {
        HttpUtil.setKeepAlive(r, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(r);
        } else {
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
