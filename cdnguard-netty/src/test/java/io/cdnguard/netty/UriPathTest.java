package io.cdnguard.netty;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UriPathTest {

    @ParameterizedTest
    @CsvSource({
        "/app.js?v=1, /app.js",
        "/a/b/c, /a/b/c",
        "/a#frag, /a",
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
}
