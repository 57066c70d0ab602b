package io.cdnguard.samples.backtest;

/** Placeholder main. */
public final class BacktestMain {
    private BacktestMain() {
    }

    /** Entry point. */
    public static void main(String[] args) {
        System.out.println("not built yet");
    }
}
