package io.cdnguard.samples.backtest.sim;

/** Receives simulated records in time order. */
@FunctionalInterface
public interface TraceSink {

    /** Takes one record; the instance is reused after the call returns. */
    void accept(SimRecord record);
}
