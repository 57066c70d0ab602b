package io.cdnguard.samples.jetty;

/** Placeholder main. */
public final class JettyOrigin {
    private JettyOrigin() {
    }

    /** Entry point. */
    public static void main(String[] args) {
        System.out.println("not built yet");
    }
}
