package io.cdnguard.samples.jetty;

import io.cdnguard.testing.RunningOrigin;
import io.cdnguard.testing.TraceLogContract;

/** {@code --trace-log FILE} on the Jetty sample ({@link TraceLogContract}). */
class JettyOriginTraceLogTest extends TraceLogContract {

    @Override
    protected RunningOrigin start(String... args) throws Exception {
        JettyOrigin o = JettyOrigin.start(JettyOrigin.Options.parse(args));
        return new RunningOrigin(o.port(), o.guard(), o::close);
    }

    @Override
    protected String usage() {
        return JettyOrigin.USAGE;
    }
}
