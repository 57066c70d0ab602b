package io.cdnguard.netty;

import io.cdnguard.CdnGuard;
import io.cdnguard.HealthEndpoint;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers cdnguard's HTTP endpoints ({@link CdnGuard#endpoint()}): under the guard's prefix
 * (default {@code /cdnguard}) {@code GET|HEAD /cdnguard/health}, {@code /cdnguard/health/lb} and
 * {@code /cdnguard/metrics}; other methods get 405, unknown paths under the prefix 404, exactly as
 * {@link HealthEndpoint} renders them. Every response carries {@code Cache-Control: no-store}; a
 * {@code HEAD} gets the {@code GET} status and headers, {@code Content-Length} included, and no body.
 * The request's {@code Authorization} header is passed on for the details-token rule.
 *
 * <p>It intercepts only requests whose path (without query) is under the prefix; every other message
 * is passed on untouched, and so is a request the codec failed to decode (a failed
 * {@code decoderResult()}, e.g. headers over the codec's limit): answering it from partial headers
 * would be wrong, so the host's handlers answer it. An intercepted request's message and any {@link HttpContent} that follows
 * it (up to the {@link LastHttpContent}) are released here. Works with and without an {@code
 * HttpObjectAggregator} in front of it, on HTTP/1.1 and on HTTP/2 stream channels.
 *
 * <h2>Where it sits</h2>
 * In the serving pipeline, <em>after</em> {@link CdnGuardHandler}, so that the endpoint's own
 * requests are seen by the recorder and classified as {@code SELF} (the recogniser knows the
 * prefix), never as CDN traffic, and so that its responses pair correctly under keep-alive:
 * <pre>{@code
 * ch.pipeline().addLast(new HttpServerCodec())
 *              .addLast(new CdnGuardHandler(guard))
 *              .addLast(new CdnGuardEndpointHandler(guard))   // answers /cdnguard/..., passes the rest
 *              .addLast(new MyAppHandler());
 * }</pre>
 * It answers as soon as the request head arrives. Under HTTP/1.1 pipelining that is correct only if
 * the handlers behind it also answer in order as requests arrive (as most Netty servers do); a
 * server that answers asynchronously and supports pipelining should serve the endpoints on a
 * separate port: {@link CdnGuardAdminServer}.
 *
 * <p>One instance per channel (it is not {@code @Sharable}: it remembers whether it is discarding
 * the body of a request it answered). Endpoint requests are rare; this handler is not on the
 * recording hot path and allocates its response normally.
 */
public final class CdnGuardEndpointHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(CdnGuardEndpointHandler.class);

    private final HealthEndpoint endpoint;
    private final UriPath path = new UriPath();
    private boolean discarding;

    /**
     * Serves {@code guard}'s endpoint.
     *
     * @param guard the guard
     */
    public CdnGuardEndpointHandler(CdnGuard guard) {
        this(Objects.requireNonNull(guard, "guard").endpoint());
    }

    /**
     * Serves an endpoint.
     *
     * @param endpoint the endpoint, e.g. {@link CdnGuard#endpoint()}
     */
    public CdnGuardEndpointHandler(HealthEndpoint endpoint) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (discarding) {
            if (msg instanceof HttpContent && !(msg instanceof HttpRequest)) {
                if (msg instanceof LastHttpContent) {
                    discarding = false;
                }
                ReferenceCountUtil.release(msg);
                return;
            }
            discarding = false;
        }
        if (!(msg instanceof HttpRequest)) {
            ctx.fireChannelRead(msg);
            return;
        }
        HttpRequest request = (HttpRequest) msg;
        if (request.decoderResult().isFailure()) {
            // the codec could not read it (e.g. headers over its limit, yet the URI is ours): not a request
            // to answer from partial headers; the host's handlers answer it (400/414/431)
            ctx.fireChannelRead(msg);
            return;
        }
        boolean mine;
        try {
            mine = endpoint.matches(path.set(request.uri()));
        } catch (Throwable t) {
            log.debug("endpoint match failed", t);
            mine = false;
        }
        if (!mine) {
            path.root();
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            answer(ctx, request);
        } finally {
            path.root();
            if (!(msg instanceof LastHttpContent)) {
                discarding = true;
            }
            ReferenceCountUtil.release(msg);
        }
    }

    private void answer(ChannelHandlerContext ctx, HttpRequest request) {
        HttpMethod method = request.method();
        boolean head = HttpMethod.HEAD.equals(method);
        HealthEndpoint.Response r;
        try {
            String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
            // HEAD is answered from the GET rendering so that Content-Length matches what GET sends.
            r = endpoint.handle(head ? "GET" : method.name(), path, authorization);
        } catch (Throwable t) {
            log.debug("endpoint failed", t);
            r = HealthEndpoint.Response.text(500, "internal error\n");
        }
        byte[] body = r.body();
        ByteBuf content = head || body.length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body);
        FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(),
                HttpResponseStatus.valueOf(r.status()), content);
        HttpHeaders h = response.headers();
        if (r.contentType() != null) {
            h.set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        }
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, r.contentLength());
        h.set(HttpHeaderNames.CACHE_CONTROL, r.cacheControl());
        if (r.allow() != null) {
            h.set(HttpHeaderNames.ALLOW, r.allow());
        }
        // A client waiting for 100-continue may or may not send its body now: close rather than guess.
        boolean keepAlive = HttpUtil.isKeepAlive(request) && !HttpUtil.is100ContinueExpected(request);
        HttpUtil.setKeepAlive(response, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(response);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
