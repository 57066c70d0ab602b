package io.cdnguard.netty;

import io.cdnguard.CdnGuard;
import io.cdnguard.Exchange;
import io.cdnguard.HeaderSource;
import io.cdnguard.UpstreamFailure;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.util.AttributeKey;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Records upstream failures of a Netty gateway (a reverse proxy in front of origin backends) per
 * backend, and names the backend of each successful exchange, for cdnguard's upstream checks.
 *
 * <p>The exchange the gateway is answering is recorded by the {@link CdnGuardHandler} on its
 * server-side ("inbound") channel; this class tells that handler which backend served it or why the
 * backend failed, so that each client request is recorded exactly once, with its status, backend and
 * failure. Wiring, where the gateway connects to a backend for an inbound request:
 * <pre>{@code
 * UpstreamRecorder upstreams = new UpstreamRecorder(guard);          // one per gateway
 *
 * // in the inbound handler, for a request:
 * String backend = pickBackend();
 * if (backend == null) {
 *     upstreams.recordNoBackend(inbound);                           // then answer 503
 *     return;
 * }
 * new Bootstrap().group(inbound.eventLoop()).channel(NioSocketChannel.class)
 *     .attr(UpstreamRecorder.INBOUND, inbound)                      // lets the listener find the exchange
 *     .handler(new BackendInitializer(inbound))
 *     .connect(host, port)
 *     .addListener(upstreams.connectListener(backend))             // records refused / timeout / reset
 *     .addListener(f -> { if (!f.isSuccess()) answer502(inbound); });
 * // a gateway that reuses pooled backend connections names the backend itself, per request:
 * CdnGuardHandler.backend(inbound, backend);
 * // and a failure after connecting (reset, read timeout), before answering 502/504:
 * upstreams.recordFailure(inbound, backend, cause);
 * }</pre>
 * The connect listener maps {@link ConnectTimeoutException} to {@link UpstreamFailure#CONNECT_TIMEOUT},
 * any other {@link ConnectException} to {@link UpstreamFailure#CONNECT_REFUSED} and a connection reset
 * or closed to {@link UpstreamFailure#RESET} (see {@link #classify(Throwable)}). When the inbound
 * channel is unknown or carries no {@link CdnGuardHandler}, a failure is recorded at once as an
 * exchange of its own (status 502, no request headers) naming the backend and the failure.
 *
 * <p>Thread-safe. {@link #connectListener(String)} returns one listener per backend name, cached
 * (up to 1,024 names; beyond that a new one is made per call), and that listener is allocation-free
 * on success after the inbound channel's first exchange; failures allocate (they are rare and
 * already cost an exception).
 */
public final class UpstreamRecorder {

    /**
     * Set on the outbound (backend) channel, e.g. with {@code Bootstrap.attr(INBOUND, inboundChannel)}:
     * the server-side channel whose exchange the connection serves.
     */
    public static final AttributeKey<Channel> INBOUND = AttributeKey.valueOf(UpstreamRecorder.class, "inbound");

    private static final int MAX_CACHED_LISTENERS = 1024;

    private final CdnGuard guard;
    private final ConcurrentHashMap<String, ConnectListener> listeners = new ConcurrentHashMap<>();

    /**
     * Creates a recorder.
     *
     * @param guard the guard to record into
     */
    public UpstreamRecorder(CdnGuard guard) {
        this.guard = Objects.requireNonNull(guard, "guard");
    }

    /**
     * Returns a listener to add to the connect future for {@code backend}: on success it names the
     * backend on the inbound channel's exchange (if the outbound channel carries {@link #INBOUND}); on
     * failure it records the classified failure. A cancelled connect records nothing.
     *
     * @param backend the backend name
     * @return a reusable listener
     */
    public ChannelFutureListener connectListener(String backend) {
        Objects.requireNonNull(backend, "backend");
        ConnectListener l = listeners.get(backend);
        if (l == null) {
            l = new ConnectListener(backend);
            if (listeners.size() < MAX_CACHED_LISTENERS) {
                ConnectListener prev = listeners.putIfAbsent(backend, l);
                if (prev != null) {
                    l = prev;
                }
            }
        }
        return l;
    }

    /**
     * Records that {@code backend} failed for the exchange being answered on {@code inbound}.
     *
     * @param inbound the server-side channel with a {@link CdnGuardHandler}, or {@code null}
     * @param backend the backend, or {@code null} if none was chosen
     * @param cause what went wrong; classified by {@link #classify(Throwable)}
     */
    public void recordFailure(Channel inbound, String backend, Throwable cause) {
        recordFailure(inbound, backend, classify(cause));
    }

    /**
     * Records that {@code backend} failed for the exchange being answered on {@code inbound}: the
     * {@link CdnGuardHandler} there records it with its response (or as aborted if the connection
     * closes first); without such a channel the failure is recorded at once.
     *
     * @param inbound the server-side channel with a {@link CdnGuardHandler}, or {@code null}
     * @param backend the backend, or {@code null} if none was chosen
     * @param failure the failure
     */
    public void recordFailure(Channel inbound, String backend, UpstreamFailure failure) {
        UpstreamFailure f = failure == null ? UpstreamFailure.OTHER : failure;
        try {
            if (inbound != null && inbound.isActive() && inbound.pipeline().get(CdnGuardHandler.class) != null) {
                CdnGuardHandler.upstreamFailure(inbound, backend, f);
            } else {
                guard.record(new FailedExchange(backend, f));
            }
        } catch (RuntimeException e) {
            // never into the gateway's code; guard.record itself never throws
        }
    }

    /**
     * Records that no backend was available for the exchange being answered on {@code inbound}.
     *
     * @param inbound the server-side channel with a {@link CdnGuardHandler}, or {@code null}
     */
    public void recordNoBackend(Channel inbound) {
        recordFailure(inbound, null, UpstreamFailure.NO_BACKEND);
    }

    /**
     * Maps an exception to an upstream failure: Netty's {@link ConnectTimeoutException} to {@code
     * CONNECT_TIMEOUT}; another {@link ConnectException} ("Connection refused") to {@code
     * CONNECT_REFUSED}; {@link ReadTimeoutException} and {@link SocketTimeoutException} to {@code
     * READ_TIMEOUT}; {@link ClosedChannelException} or an {@link IOException} whose message says
     * "reset" or "broken pipe" to {@code RESET}; anything else, and {@code null}, to {@code OTHER}. Looks
     * through up to eight causes. Never throws.
     *
     * @param cause the exception
     * @return the failure, never {@code null}
     */
    public static UpstreamFailure classify(Throwable cause) {
        Throwable t = cause;
        for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
            if (t instanceof ConnectTimeoutException) {
                return UpstreamFailure.CONNECT_TIMEOUT;
            }
            if (t instanceof ConnectException) {
                return UpstreamFailure.CONNECT_REFUSED;
            }
            if (t instanceof ReadTimeoutException || t instanceof SocketTimeoutException) {
                return UpstreamFailure.READ_TIMEOUT;
            }
            if (t instanceof ClosedChannelException) {
                return UpstreamFailure.RESET;
            }
            if (t instanceof IOException) {
                String m = t.getMessage();
                if (m != null) {
                    String lower = m.toLowerCase(Locale.ROOT);
                    if (lower.contains("reset") || lower.contains("broken pipe")) {
                        return UpstreamFailure.RESET;
                    }
                    if (lower.contains("refused")) {
                        return UpstreamFailure.CONNECT_REFUSED;
                    }
                }
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return UpstreamFailure.OTHER;
    }

    /** The cached per-backend connect listener. */
    private final class ConnectListener implements ChannelFutureListener {
        private final String backend;

        ConnectListener(String backend) {
            this.backend = backend;
        }

        @Override
        public void operationComplete(ChannelFuture future) {
            if (future.isCancelled()) {
                return;
            }
            Channel outbound = future.channel();
            Channel inbound = outbound != null && outbound.hasAttr(INBOUND) ? outbound.attr(INBOUND).get() : null;
            if (future.isSuccess()) {
                if (inbound != null) {
                    CdnGuardHandler.backend(inbound, backend);
                }
                return;
            }
            recordFailure(inbound, backend, classify(future.cause()));
        }

        @Override
        public String toString() {
            return "UpstreamRecorder.connectListener(" + backend + ")";
        }
    }

    /** A failure with no inbound exchange to attach it to: recorded as the gateway's 502. */
    private static final class FailedExchange implements Exchange {
        private final String backend;
        private final UpstreamFailure failure;

        FailedExchange(String backend, UpstreamFailure failure) {
            this.backend = backend;
            this.failure = failure;
        }

        @Override
        public String method() {
            return "";
        }

        @Override
        public CharSequence path() {
            return "";
        }

        @Override
        public int status() {
            return 502;
        }

        @Override
        public long responseBytes() {
            return -1;
        }

        @Override
        public long durationNanos() {
            return -1;
        }

        @Override
        public HeaderSource requestHeaders() {
            return HeaderSource.EMPTY;
        }

        @Override
        public HeaderSource responseHeaders() {
            return HeaderSource.EMPTY;
        }

        @Override
        public boolean conditional() {
            return false;
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
