package io.cdnguard.servlet;

/** Placeholder until the adapter lands. */
public final class Placeholder {
    private Placeholder() {
    }
}
