package io.cdnguard.samples.netty;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Date;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Serves the files under one directory: {@code GET} and {@code HEAD}, {@code ETag} and {@code
 * Last-Modified} validators, conditional requests answered 304, {@code Cache-Control: max-age} by file
 * type, 404 for anything missing or outside the root, 405 for other methods. Small files are cached in
 * memory (revalidated against the file's size and modification time on each request); larger ones are
 * sent with zero-copy {@link DefaultFileRegion}s. Answers synchronously, in request order, so it is safe
 * under HTTP/1.1 pipelining. Sharable: it holds no per-connection state.
 */
@ChannelHandler.Sharable
final class StaticFileHandler extends ChannelInboundHandlerAdapter {

    private static final long MAX_CACHED = 1 << 20;
    private static final int MAX_CACHED_FILES = 4096;

    private final Path root;
    private final Map<Path, Asset> cache = new ConcurrentHashMap<>();

    /** One cached file: its bytes and validators. */
    private record Asset(byte[] body, long size, long mtimeMillis, String etag, String lastModified) {
    }

    StaticFileHandler(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** Cache lifetime by file type: html 60 s, css/js 1 h, images and fonts 1 day, other 5 min. */
    static int maxAge(String name) {
        switch (extension(name)) {
            case "html":
            case "htm":
                return 60;
            case "css":
            case "js":
            case "mjs":
                return 3600;
            case "png":
            case "jpg":
            case "jpeg":
            case "gif":
            case "svg":
            case "webp":
            case "avif":
            case "ico":
            case "woff":
            case "woff2":
                return 86400;
            default:
                return 300;
        }
    }

    static String contentType(String name) {
        switch (extension(name)) {
            case "html":
            case "htm":
                return "text/html; charset=utf-8";
            case "css":
                return "text/css; charset=utf-8";
            case "js":
            case "mjs":
                return "text/javascript; charset=utf-8";
            case "json":
                return "application/json";
            case "svg":
                return "image/svg+xml";
            case "png":
                return "image/png";
            case "jpg":
            case "jpeg":
                return "image/jpeg";
            case "gif":
                return "image/gif";
            case "webp":
                return "image/webp";
            case "avif":
                return "image/avif";
            case "ico":
                return "image/x-icon";
            case "woff2":
                return "font/woff2";
            case "woff":
                return "font/woff";
            case "txt":
                return "text/plain; charset=utf-8";
            default:
                return "application/octet-stream";
        }
    }

    private static String extension(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest) {
                serve(ctx, (HttpRequest) msg);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void serve(ChannelHandlerContext ctx, HttpRequest req) {
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (!req.decoderResult().isSuccess()) {
            sendText(ctx, req, HttpResponseStatus.BAD_REQUEST, "bad request\n", false);
            return;
        }
        HttpMethod method = req.method();
        boolean head = HttpMethod.HEAD.equals(method);
        if (!head && !HttpMethod.GET.equals(method)) {
            FullHttpResponse r = text(req, HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed\n");
            r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            send(ctx, r, keepAlive);
            return;
        }
        Path file = resolve(req.uri());
        BasicFileAttributes attrs;
        try {
            attrs = file == null ? null : Files.readAttributes(file, BasicFileAttributes.class);
            if (attrs != null && attrs.isDirectory()) {
                file = file.resolve("index.html");
                attrs = Files.readAttributes(file, BasicFileAttributes.class);
            }
        } catch (IOException e) {
            attrs = null;
        }
        if (attrs == null || !attrs.isRegularFile()) {
            sendText(ctx, req, HttpResponseStatus.NOT_FOUND, "not found\n", keepAlive);
            return;
        }
        long size = attrs.size();
        long mtime = attrs.lastModifiedTime().toMillis();
        String name = file.getFileName().toString();
        String etag = etag(size, mtime);
        String lastModified = DateFormatter.format(new Date(mtime));

        if (notModified(req.headers(), etag, mtime)) {
            FullHttpResponse r = new DefaultFullHttpResponse(req.protocolVersion(), HttpResponseStatus.NOT_MODIFIED,
                    Unpooled.EMPTY_BUFFER);
            validators(r.headers(), name, etag, lastModified);
            send(ctx, r, keepAlive);
            return;
        }
        if (size <= MAX_CACHED) {
            Asset a = cached(file, size, mtime, etag, lastModified);
            if (a == null) {
                sendText(ctx, req, HttpResponseStatus.NOT_FOUND, "not found\n", keepAlive);
                return;
            }
            FullHttpResponse r = new DefaultFullHttpResponse(req.protocolVersion(), HttpResponseStatus.OK,
                    head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(a.body()));
            validators(r.headers(), name, etag, lastModified);
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType(name))
                    .set(HttpHeaderNames.CONTENT_LENGTH, a.body().length);
            send(ctx, r, keepAlive);
            return;
        }
        // Large file: head, then the file as a zero-copy region, then the end marker.
        HttpResponse r = new DefaultHttpResponse(req.protocolVersion(), HttpResponseStatus.OK);
        validators(r.headers(), name, etag, lastModified);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType(name)).set(HttpHeaderNames.CONTENT_LENGTH, size);
        HttpUtil.setKeepAlive(r, keepAlive);
        ctx.write(r);
        if (!head) {
            ctx.write(new DefaultFileRegion(file.toFile(), 0, size));
        }
        ChannelFuture f = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private Asset cached(Path file, long size, long mtime, String etag, String lastModified) {
        Asset a = cache.get(file);
        if (a != null && a.size() == size && a.mtimeMillis() == mtime) {
            return a;
        }
        try {
            byte[] body = Files.readAllBytes(file);
            a = new Asset(body, size, mtime, etag, lastModified);
            if (cache.size() < MAX_CACHED_FILES || cache.containsKey(file)) {
                cache.put(file, a);
            }
            return a;
        } catch (IOException e) {
            return null;
        }
    }

    private static String etag(long size, long mtime) {
        return "\"" + Long.toHexString(size) + "-" + Long.toHexString(mtime) + "\"";
    }

    private static void validators(HttpHeaders h, String name, String etag, String lastModified) {
        h.set(HttpHeaderNames.ETAG, etag)
                .set(HttpHeaderNames.LAST_MODIFIED, lastModified)
                .set(HttpHeaderNames.CACHE_CONTROL, "public, max-age=" + maxAge(name));
    }

    /** RFC 9110 §13.2.2: If-None-Match wins; If-Modified-Since only without it. */
    static boolean notModified(HttpHeaders h, String etag, long mtimeMillis) {
        String inm = h.get(HttpHeaderNames.IF_NONE_MATCH);
        if (inm != null) {
            for (String tag : inm.split(",")) {
                String t = tag.trim();
                if (t.startsWith("W/")) {
                    t = t.substring(2);
                }
                if (t.equals("*") || t.equals(etag)) {
                    return true;
                }
            }
            return false;
        }
        String ims = h.get(HttpHeaderNames.IF_MODIFIED_SINCE);
        if (ims != null) {
            Date since = DateFormatter.parseHttpDate(ims);
            return since != null && mtimeMillis / 1000 <= since.getTime() / 1000;
        }
        return false;
    }

    /** Maps a request target to a file under the root, or {@code null} if it escapes the root. */
    Path resolve(String uri) {
        String path;
        try {
            path = new QueryStringDecoder(uri).path();
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (path.isEmpty() || path.charAt(0) != '/' || path.indexOf('\0') >= 0 || path.indexOf('\\') >= 0) {
            return null;
        }
        Path p = root.resolve(path.substring(1)).normalize();
        return p.startsWith(root) ? p : null;
    }

    private static FullHttpResponse text(HttpRequest req, HttpResponseStatus status, String body) {
        FullHttpResponse r = new DefaultFullHttpResponse(req.protocolVersion(), status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        return r;
    }

    private static void sendText(ChannelHandlerContext ctx, HttpRequest req, HttpResponseStatus status, String body,
            boolean keepAlive) {
        FullHttpResponse r = text(req, status, body);
        if (HttpMethod.HEAD.equals(req.method())) {
            r.content().clear();
        }
        send(ctx, r, keepAlive);
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
