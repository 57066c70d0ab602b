package io.cdnguard.netty;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A raw HTTP/1.1 client over a socket, for pipelining: writes requests in one flush, reads responses. */
final class RawHttp implements AutoCloseable {

    /** One parsed response (Content-Length bodies only). */
    record Response(int status, Map<String, String> headers, int bodyLength) {
    }

    static final String CLOUDFRONT_HEADERS = "Host: origin.example.com\r\n"
            + "User-Agent: Amazon CloudFront\r\n"
            + "Via: 1.1 5f7a3b2e9c1d.cloudfront.net (CloudFront)\r\n"
            + "X-Amz-Cf-Id: Q2xvdWRGcm9udElkLTEyMzQ1Njc4OTBhYmNkZWZnaGlqa2xtbm9w==\r\n"
            + "X-Amz-Cf-Pop: FRA56-P1\r\n";

    final Socket socket;
    private final InputStream in;

    RawHttp(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
    }

    /** A CloudFront GET request, with extra header lines (each ending in CRLF). */
    static String get(String path, String extraHeaders) {
        return "GET " + path + " HTTP/1.1\r\n" + CLOUDFRONT_HEADERS + extraHeaders + "\r\n";
    }

    /** Writes all requests in one write and flush. */
    void send(String... requests) throws IOException {
        socket.getOutputStream().write(String.join("", requests).getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    /** Reads n responses with Content-Length (or no body for 304). */
    List<Response> read(int n) throws IOException {
        List<Response> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String status = line();
            int code = Integer.parseInt(status.split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String l = line(); !l.isEmpty(); l = line()) {
                int c = l.indexOf(':');
                headers.put(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
            }
            int len = code == 304 ? 0 : Integer.parseInt(headers.getOrDefault("content-length", "0"));
            in.readNBytes(len);
            out.add(new Response(code, headers, len));
        }
        return out;
    }

    /** Reads up to n bytes (at least one). */
    int readSome(int n) throws IOException {
        byte[] buf = new byte[n];
        return in.read(buf);
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        if (c == -1 && b.size() == 0) {
            throw new IOException("connection closed");
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
