package io.cdnguard.netty;

/** Placeholder until the adapter lands. */
public final class Placeholder {
    private Placeholder() {
    }
}
