package io.cdnguard.samples.netty;

import io.cdnguard.testing.RunningOrigin;
import io.cdnguard.testing.TraceLogContract;

/** {@code --trace-log FILE} on the Netty sample ({@link TraceLogContract}). */
class NettyOriginTraceLogTest extends TraceLogContract {

    @Override
    protected RunningOrigin start(String... args) throws Exception {
        NettyOrigin o = NettyOrigin.start(NettyOrigin.Options.parse(args));
        return new RunningOrigin(o.port(), o.guard(), o::close);
    }

    @Override
    protected String usage() {
        return NettyOrigin.USAGE;
    }
}
