package io.cdnguard.servlet;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The per-request {@link ServletExchange} of {@link CdnGuardFilter} for Tomcat's own response when
 * the filter does not wrap it ({@code wrap-response=auto} or {@code false} on Tomcat): the
 * application, and Tomcat's default servlet, get {@code ResponseFacade} itself, so a static file of
 * {@code sendfileSize} (48 KiB) or more still goes out with sendfile.
 *
 * <p>The body bytes come from Tomcat's own counters, read when the exchange is recorded (see {@link
 * TomcatResponses}):
 * <ul>
 *   <li>0 for {@code HEAD}, 1xx, 204 and 304; -1 after an exception the container answers with its
 *       error page;
 *   <li>a file Tomcat sends with sendfile (request attribute {@value TomcatResponses#SENDFILE_FILENAME}):
 *       the range the default servlet handed to the connector ({@code end - start}), else the
 *       {@code Content-Length};
 *   <li>else, a body written through the output stream, or through the writer in a one-byte-per-char
 *       charset (ISO-8859-1, Tomcat's default, or US-ASCII): the bytes written, exact, chunked or not
 *       (before compression, since the last reset);
 *   <li>a body written through the writer in another charset (Tomcat counts chars there, not
 *       bytes): its {@code Content-Length}, else unknown (-1);
 *   <li>nothing written and a status of 400 or more: the container writes the error page
 *       ({@code sendError}) or nothing: its {@code Content-Length}, else unknown (-1).
 * </ul>
 *
 * <p>Implementation notes: no state of its own; see {@link ServletExchange}. The counters are read
 * through method handles on the thread that records (allocation-free, never throwing).
 */
final class TomcatExchange extends ServletExchange {

    private static final long NOT_SENDFILE = Long.MIN_VALUE;

    private final TomcatResponses tomcat;

    TomcatExchange(CdnGuardFilter filter, HttpServletRequest request, HttpServletResponse response, long startNanos,
            TomcatResponses tomcat) {
        super(filter, request, response, startNanos);
        this.tomcat = tomcat;
    }

    @Override
    public long responseBytes() {
        if (bodiless()) {
            return 0;
        }
        if (bytesUnknown) {
            return -1;
        }
        long sendfile = sendfileBytes();
        if (sendfile != NOT_SENDFILE) {
            return sendfile;
        }
        long written = tomcat.contentWritten(response);
        if (written < 0) {
            return CdnGuardFilter.declaredLength(response);
        }
        if (written == 0) {
            return status() >= 400 ? CdnGuardFilter.declaredLength(response) : 0;
        }
        if (oneBytePerChar(response.getCharacterEncoding()) || tomcat.usedWriter(response) == 0) {
            return written;
        }
        return CdnGuardFilter.declaredLength(response);
    }

    /**
     * The length of a body Tomcat sends with sendfile after the chain returned (-1 if unknown), or
     * {@link #NOT_SENDFILE}.
     */
    private long sendfileBytes() {
        try {
            if (request.getAttribute(TomcatResponses.SENDFILE_FILENAME) == null) {
                return NOT_SENDFILE;
            }
            Object start = request.getAttribute(TomcatResponses.SENDFILE_START);
            Object end = request.getAttribute(TomcatResponses.SENDFILE_END);
            if (start instanceof Long && end instanceof Long) {
                long n = (Long) end - (Long) start;
                if (n >= 0) {
                    return n;
                }
            }
        } catch (RuntimeException e) {
            return NOT_SENDFILE;
        }
        return CdnGuardFilter.declaredLength(response);
    }

    /** Whether every char the writer takes is one byte on the wire: ISO-8859-1 and US-ASCII. */
    static boolean oneBytePerChar(String charset) {
        return charset == null || charset.equalsIgnoreCase("ISO-8859-1") || charset.equalsIgnoreCase("US-ASCII")
                || charset.equalsIgnoreCase("ISO8859_1") || charset.equalsIgnoreCase("latin1");
    }
}
