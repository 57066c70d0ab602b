package io.cdnguard.netty;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;

/** Proves that the leak check the other tests end with fails on a leaked buffer. */
class LeakDetectionTest {

    @Test
    void assertNoLeaks_failsOnALeakedBuffer() {
        LeakDetection.install();
        for (int i = 0; i < 4; i++) {
            ByteBufAllocator.DEFAULT.buffer(16).writeInt(i); // never released
        }
        assertThatThrownBy(LeakDetection::assertNoLeaks).isInstanceOf(AssertionError.class)
                .hasMessageContaining("ByteBuf");
        LeakDetection.assertNoLeaks(); // reported once, then clean
    }
}
