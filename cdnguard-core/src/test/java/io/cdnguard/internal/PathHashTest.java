package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.CharBuffer;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PathHashTest {

    @Test
    void hash_stringAndOtherCharSequences_agree() {
        Random r = new Random(7);
        for (int len = 0; len < 80; len++) {
            for (int rep = 0; rep < 20; rep++) {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < len; i++) {
                    // mostly ASCII, some Latin-1 and some wider characters (UTF-16 strings)
                    int kind = r.nextInt(10);
                    sb.append(kind < 7 ? (char) (0x20 + r.nextInt(95)) : kind < 9 ? (char) (0xA0 + r.nextInt(96))
                            : (char) (0x400 + r.nextInt(0x4000)));
                }
                String s = sb.toString();
                long h = PathHash.hash(s);
                assertThat(PathHash.hash(sb)).as(s).isEqualTo(h);
                assertThat(PathHash.hash(CharBuffer.wrap(s))).as(s).isEqualTo(h);
            }
        }
    }

    @Test
    void hash_null_isZero_andCountersDelegates() {
        assertThat(PathHash.hash(null)).isZero();
        assertThat(Counters.hashPath("/static/app.js")).isEqualTo(PathHash.hash("/static/app.js"));
    }

    @Test
    void hash_everyPrefixAndEverySingleCharChange_differs() {
        String base = "/static/chunks/framework-2c79e2a6.js?v=1234567890";
        Set<Long> seen = new HashSet<>();
        for (int len = 0; len <= base.length(); len++) {
            assertThat(seen.add(PathHash.hash(base.substring(0, len)))).as("prefix %d", len).isTrue();
        }
        for (int i = 0; i < base.length(); i++) {
            char[] c = base.toCharArray();
            c[i] ^= 1;
            assertThat(seen.add(PathHash.hash(new String(c)))).as("flip at %d", i).isTrue();
        }
        // swapping two 4-character groups (which land in different lanes) changes the hash
        assertThat(PathHash.hash("/aaa/bbb/ccc")).isNotEqualTo(PathHash.hash("/bbb/aaa/ccc"));
        assertThat(PathHash.hash("Aa")).isNotEqualTo(PathHash.hash("BB")); // String.hashCode collides
    }

    @Test
    void hash_manySimilarPaths_noCollisions_andLowBitsSpread() {
        Set<Long> all = new HashSet<>();
        int[] buckets = new int[1024];
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            long h = PathHash.hash("/img/products/" + i + "/thumb-320.jpg");
            all.add(h);
            buckets[(int) (h & 1023)]++;
        }
        assertThat(all).hasSize(n);
        double mean = n / 1024.0;
        for (int b : buckets) {
            assertThat((double) b).isBetween(mean * 0.7, mean * 1.3);
        }
    }

    @Test
    void hash_readsOnlyTheFirst4096Characters() {
        String head = "/x".repeat(PathHash.MAX_CHARS / 2);
        assertThat(PathHash.hash(head + "tail-one")).isEqualTo(PathHash.hash(head + "another-tail"));
        assertThat(PathHash.hash(head.substring(1))).isNotEqualTo(PathHash.hash(head));
    }
}
