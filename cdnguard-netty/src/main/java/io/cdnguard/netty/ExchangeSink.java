package io.cdnguard.netty;

import io.cdnguard.Exchange;

/** Where a {@link CdnGuardHandler} sends completed exchanges: the guard, or a test's capture. Must not throw. */
@FunctionalInterface
interface ExchangeSink {

    /** Records one exchange; reads it before returning and keeps no reference. */
    void record(Exchange exchange);
}
