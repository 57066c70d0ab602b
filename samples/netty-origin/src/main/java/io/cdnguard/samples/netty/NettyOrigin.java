package io.cdnguard.samples.netty;

/** Placeholder main. */
public final class NettyOrigin {
    private NettyOrigin() {
    }

    /** Entry point. */
    public static void main(String[] args) {
        System.out.println("not built yet");
    }
}
