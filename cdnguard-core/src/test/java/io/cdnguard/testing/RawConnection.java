package io.cdnguard.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A raw HTTP/1.1 client on one real loopback connection, for tests that must send what
 * {@link java.net.http.HttpClient} refuses to (duplicate {@code Host}, {@code PROPFIND}, a 64 KiB request
 * line, pipelined requests): writes bytes as given, reads responses with {@code Content-Length} or chunked
 * bodies. Shared by the endpoint abuse and cardinality scenarios of every adapter.
 */
public final class RawConnection implements AutoCloseable {

    /** One response as read off the wire. */
    public static final class Reply {
        /** The status code. */
        public int status;
        /** Header names lower-cased; the last value of a repeated header wins. */
        public final Map<String, String> headers = new LinkedHashMap<>();
        /** The body as sent (de-chunked). */
        public byte[] bodyBytes = new byte[0];
        /** The body decoded as UTF-8. */
        public String body = "";
        /** Set by {@link RawConnection#exchangeThenClose}: whether the server closed the connection after it. */
        public boolean closed;

        /** Whether the server said it closes the connection after this response. */
        public boolean connectionClose() {
            return headers.getOrDefault("connection", "").toLowerCase(Locale.ROOT).contains("close");
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    /** Connects to {@code 127.0.0.1:port} with a read timeout of {@code timeoutMillis}. */
    public RawConnection(int port, int timeoutMillis) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(timeoutMillis);
        out = socket.getOutputStream();
        in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
    }

    /** Connects to {@code 127.0.0.1:port} with a read timeout of 10 s. */
    public RawConnection(int port) throws IOException {
        this(port, 10_000);
    }

    /** One request on a new connection; returns its response. */
    public static Reply exchange(int port, String request) throws IOException {
        try (RawConnection raw = new RawConnection(port)) {
            raw.send(request);
            return raw.read();
        }
    }

    /** As {@link #exchange}, and notes in {@link Reply#closed} whether the server then closes the connection. */
    public static Reply exchangeThenClose(int port, String request) throws IOException {
        try (RawConnection raw = new RawConnection(port)) {
            raw.send(request);
            Reply r = raw.read();
            r.closed = raw.closedAfter();
            return r;
        }
    }

    /**
     * Writes {@code s} as UTF-8. A write error is ignored: the server may answer and close before reading
     * everything (a request it refuses); the response is still there to read.
     */
    public void send(String s) {
        send(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes {@code bytes} as they are; see {@link #send(String)}. */
    public void send(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            // the server may answer and close before reading everything (a request it refuses)
        }
    }

    /** Reads one response. */
    public Reply read() throws IOException {
        Reply r = new Reply();
        String status = line();
        r.status = Integer.parseInt(status.split(" ")[1]);
        for (String l = line(); !l.isEmpty(); l = line()) {
            int c = l.indexOf(':');
            r.headers.put(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
        }
        if (r.headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT).contains("chunked")) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (long n = chunkSize(); n > 0; n = chunkSize()) {
                b.writeBytes(body(n));
                line();
            }
            for (String t = line(); !t.isEmpty(); t = line()) {
                // trailers
            }
            r.bodyBytes = b.toByteArray();
        } else {
            r.bodyBytes = body(Long.parseLong(r.headers.getOrDefault("content-length", "0")));
        }
        r.body = new String(r.bodyBytes, StandardCharsets.UTF_8);
        return r;
    }

    /** Whether the server closes the connection (end of stream or reset within 2 s). */
    public boolean closedAfter() throws IOException {
        socket.setSoTimeout(2_000);
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    private long chunkSize() throws IOException {
        return Long.parseLong(line().trim().split(";")[0], 16);
    }

    private byte[] body(long length) throws IOException {
        byte[] b = in.readNBytes((int) length);
        if (b.length < length) {
            throw new EOFException("body cut short: " + b.length + " of " + length + " bytes");
        }
        return b;
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64);
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                b.write(c);
            }
        }
        if (c == -1 && b.size() == 0) {
            throw new EOFException("connection closed");
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
