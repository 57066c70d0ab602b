package io.cdnguard.internal;

import io.cdnguard.GuardSnapshot;
import io.cdnguard.HealthEndpoint;
import io.cdnguard.HealthReport;
import io.cdnguard.HealthStatus;
import java.util.Map;
import java.util.function.Supplier;

/** The endpoint contract's implementation. CONTRACT STUB: the exposition work replaces the body. */
public final class DefaultHealthEndpoint implements HealthEndpoint {

    private final String prefix;

    /**
     * @param prefix path prefix without trailing slash
     * @param detailsToken token required to see details, or {@code null}
     * @param httpStatus HTTP status per health status
     * @param report the last evaluated report
     * @param snapshot takes a counters snapshot (for metrics)
     */
    public DefaultHealthEndpoint(String prefix, String detailsToken, Map<HealthStatus, Integer> httpStatus,
            Supplier<HealthReport> report, Supplier<GuardSnapshot> snapshot) {
        this.prefix = prefix;
    }

    @Override
    public String prefix() {
        return prefix;
    }

    @Override
    public boolean matches(CharSequence path) {
        return false;
    }

    @Override
    public Response handle(String method, CharSequence path, CharSequence authorization) {
        return Response.text(501, "not built yet\n");
    }
}
