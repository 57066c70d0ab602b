package io.cdnguard;

import java.nio.charset.StandardCharsets;

/**
 * The HTTP contract of cdnguard's endpoints, shared by every adapter (Netty, servlet) so that they
 * answer byte for byte alike. Adapters pass the method, path and the {@code Authorization} header;
 * they write back the {@link Response}.
 *
 * <p>Under the guard's prefix (default {@code /cdnguard}):
 * <ul>
 *   <li>{@code GET /cdnguard/health}: {@code application/health+json}; 200 or 503 by the status policy;
 *   <li>{@code GET /cdnguard/health/lb}: one word ({@code UP}, {@code DEGRADED}, {@code DOWN}) as
 *       {@code text/plain}; same HTTP status;
 *   <li>{@code GET /cdnguard/metrics}: Prometheus text format 0.0.4.
 * </ul>
 * {@code HEAD} answers the same status and headers with no body: {@link #handle} returns the same
 * {@link Response} for {@code HEAD} as for {@code GET}, body included, so that {@link
 * Response#contentLength()} is the length of the {@code GET} body; <b>adapters must send the status
 * and headers (with that {@code Content-Length}) but must not write the body for {@code HEAD}</b>.
 * Other methods get 405 with {@code Allow: GET, HEAD}; unknown paths under the prefix get 404. Every response carries {@code Cache-Control: no-store}: the CDN
 * must not cache its own alarm. Responses are rendered from the last evaluated report, never by
 * evaluating checks on the request thread.
 */
public interface HealthEndpoint {

    /** The prefix, e.g. {@code "/cdnguard"}, without a trailing slash. */
    String prefix();

    /** Whether {@code path} (without query string) is one of this endpoint's paths: the prefix or below it. */
    boolean matches(CharSequence path);

    /**
     * Answers one request. Never throws; an internal error is a 500 response.
     *
     * @param method the request method
     * @param path the request path without query string
     * @param authorization the {@code Authorization} header, or {@code null}; details are shown
     *     only if no token is configured or it carries {@code Bearer <token>}
     */
    Response handle(String method, CharSequence path, CharSequence authorization);

    /** An endpoint response: status, content type and body. Immutable. */
    final class Response {
        private final int status;
        private final String contentType;
        private final byte[] body;
        private final String allow;

        /**
         * @param status the HTTP status
         * @param contentType the {@code Content-Type}, or {@code null} for no body
         * @param body the body; for HEAD the same body as for GET, which the adapter does not write
         *     (it still sets {@code Content-Length} to {@link #contentLength()})
         * @param allow the {@code Allow} header for 405 responses, else {@code null}
         */
        public Response(int status, String contentType, byte[] body, String allow) {
            this.status = status;
            this.contentType = contentType;
            this.body = body == null ? new byte[0] : body;
            this.allow = allow;
        }

        /** A plain-text response. */
        public static Response text(int status, String text) {
            return new Response(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8), null);
        }

        /** The HTTP status. */
        public int status() {
            return status;
        }

        /** The {@code Content-Type}. */
        public String contentType() {
            return contentType;
        }

        /** The body bytes; do not modify. */
        public byte[] body() {
            return body;
        }

        /** The body length: the {@code Content-Length} (also for HEAD, where the body is not sent). */
        public int contentLength() {
            return body.length;
        }

        /** The {@code Allow} header value for a 405, or {@code null}. */
        public String allow() {
            return allow;
        }

        /** The {@code Cache-Control} header every endpoint response carries. */
        public String cacheControl() {
            return "no-store";
        }
    }
}
