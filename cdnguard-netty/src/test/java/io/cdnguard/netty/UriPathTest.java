package io.cdnguard.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UriPathTest {

    @ParameterizedTest
    @CsvSource({
        "/app.js?v=1, /app.js",
        "/a/b/c, /a/b/c",
        "/a#frag, /a",
        "/a#frag?q, /a",
        "/a?q#frag, /a",
        "/a/b?q?r, /a/b",
        "/#, /",
        "http://origin.example.com/img/logo.svg?x=1, /img/logo.svg",
        "https://origin.example.com, /",
        "https://origin.example.com?q, /",
        "?only-query, /",
        "*, *",
        "'', /",
    })
    void set_viewsThePathWithoutQuery(String uri, String path) {
        UriPath p = new UriPath().set(uri);
        assertThat(p.toString()).isEqualTo(path);
        assertThat(p.length()).isEqualTo(path.length());
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < p.length(); i++) {
            sb.append(p.charAt(i));
        }
        assertThat(sb.toString()).isEqualTo(path);
        assertThat(p.contentEquals(path)).isTrue();
    }

    /** The end of the path as the character loop before the indexOf version found it. */
    private static String byCharLoop(String uri) {
        int s = 0;
        if (uri.charAt(0) != '/' && uri.charAt(0) != '*') {
            int scheme = uri.indexOf("://");
            if (scheme >= 0) {
                int slash = -1;
                for (int i = scheme + 3; i < uri.length(); i++) {
                    char c = uri.charAt(i);
                    if (c == '/') {
                        slash = i;
                        break;
                    }
                    if (c == '?' || c == '#') {
                        break;
                    }
                }
                if (slash < 0) {
                    return "/";
                }
                s = slash;
            }
        }
        int e = uri.length();
        for (int i = s; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c == '?' || c == '#') {
                e = i;
                break;
            }
        }
        return e == s ? "/" : uri.substring(s, e);
    }

    @Test
    void set_randomTargets_endWhereTheCharacterLoopEnded() {
        SplittableRandom r = new SplittableRandom(7);
        String alphabet = "/?#ab.:-*";
        UriPath p = new UriPath();
        for (int n = 0; n < 20_000; n++) {
            StringBuilder sb = new StringBuilder(r.nextBoolean() ? "/" : r.nextBoolean() ? "http://h" : "");
            int len = r.nextInt(12);
            for (int i = 0; i < len; i++) {
                sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            String uri = sb.toString();
            if (uri.isEmpty()) {
                continue;
            }
            assertThat(p.set(uri).toString()).as(uri).isEqualTo(byCharLoop(uri));
        }
    }

    @Test
    void release_dropsTheUri_readsAsEmpty_andTheViewIsReusable() {
        UriPath p = new UriPath().set("/static/app.js?v=1");
        p.release();
        assertThat(p.length()).isZero();
        assertThat(p.toString()).isEmpty();
        assertThat(p.contentEquals("")).isTrue();
        assertThat(p.contentEquals("/")).isFalse();
        assertThat(p.set("/next.css").toString()).isEqualTo("/next.css");
        assertThat(p.root().toString()).isEqualTo("/");
    }
}
