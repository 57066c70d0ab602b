package io.cdnguard.servlet;

import io.cdnguard.Exchange;

/**
 * Where the filter sends a completed exchange: {@code guard::record} in production; tests wrap it to
 * look at exactly what the filter reported. Must not keep the exchange after returning.
 */
@FunctionalInterface
interface Recorder {

    /** Records one completed exchange; reads it only during the call. */
    void record(Exchange exchange);
}
