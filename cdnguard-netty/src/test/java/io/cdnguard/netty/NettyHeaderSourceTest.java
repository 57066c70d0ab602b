package io.cdnguard.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.Cdn;
import io.cdnguard.CdnGuard;
import io.cdnguard.Exchange;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.HeaderSource;
import io.cdnguard.RecognitionRules;
import io.cdnguard.RequestKind;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.ReadOnlyHttpHeaders;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class NettyHeaderSourceTest {

    private static final List<String> CORE_NAMES = List.of("user-agent", "via", "cdn-loop", "x-amz-cf-id",
            "x-amz-cf-pop", "cf-ray", "fastly-ff", "fastly-client-ip", "x-served-by", "x-varnish", "akamai-origin-hop",
            "x-azure-ref", "x-azure-fdid", "x-fd-healthprobe", "x-cloud-trace-context", "if-none-match",
            "if-modified-since", "cache-control", "cdn-cache-control", "cloudflare-cdn-cache-control",
            "surrogate-control", "expires", "date");

    @Test
    void asciiName_mapsEveryCoreNameToAnEqualAsciiConstant() {
        for (String name : CORE_NAMES) {
            CharSequence ascii = NettyHeaderSource.asciiName(name);
            assertThat(ascii).as(name).isInstanceOf(AsciiString.class);
            assertThat(ascii.toString()).isEqualTo(name);
            // the same constant every time: its hash is computed once
            assertThat(NettyHeaderSource.asciiName(new String(name))).isSameAs(ascii);
        }
        assertThat(NettyHeaderSource.asciiName("x-custom-rule")).isEqualTo("x-custom-rule");
    }

    @Test
    void get_findsStoredNamesOfAnyCase_forConstantAndOtherNames() {
        HttpHeaders h = new DefaultHttpHeaders();
        int i = 0;
        for (String name : CORE_NAMES) {
            h.add(i++ % 2 == 0 ? name.toUpperCase() : name, "v-" + name);
        }
        h.add("X-Custom-Rule", "custom");
        NettyHeaderSource source = new NettyHeaderSource();
        source.set(h);
        for (String name : CORE_NAMES) {
            assertThat(source.get(name)).as(name).hasToString("v-" + name);
        }
        assertThat(source.get("x-custom-rule")).hasToString("custom");
        assertThat(source.get("x-absent")).isNull();
        source.clear();
        assertThat(source.get("via")).isNull();
    }

    @Test
    void set_alternatingStoreBackedAndOtherHeaders_readsOnlyTheHeadersSetLast() {
        HttpHeaders store = new DefaultHttpHeaders().add("via", "1.1 store");
        HttpHeaders other = new ReadOnlyHttpHeaders(true, HttpHeaderNames.VIA, "1.1 other");
        NettyHeaderSource source = new NettyHeaderSource();

        source.set(store);
        assertThat(source.get("via")).hasToString("1.1 store");
        source.set(other); // no clear() between: the store read before must not shadow these
        assertThat(source.get("via")).hasToString("1.1 other");
        source.set(store);
        assertThat(source.get("via")).hasToString("1.1 store");
        source.set(EmptyHttpHeaders.INSTANCE);
        assertThat(source.get("via")).isNull();
        source.set(null);
        assertThat(source.get("via")).isNull();
    }

    /** Mixed case as senders spell it: every core name, each with a different case pattern. */
    private static String mixedCase(String name, int variant) {
        StringBuilder b = new StringBuilder(name.length());
        boolean up = true;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            switch (variant % 3) {
                case 0: // Canonical-Case
                    b.append(up ? Character.toUpperCase(c) : c);
                    up = c == '-';
                    break;
                case 1: // UPPER
                    b.append(Character.toUpperCase(c));
                    break;
                default: // aLtErNaTiNg
                    b.append(i % 2 == 0 ? c : Character.toUpperCase(c));
            }
        }
        return b.toString();
    }

    /** The request as Netty's decoder makes it from wire bytes: names are fresh AsciiStrings in the sender's case. */
    private static FullHttpRequest decode(String headerLines) {
        EmbeddedChannel decoder = new EmbeddedChannel(new HttpRequestDecoder(), new HttpObjectAggregator(1024));
        try {
            decoder.writeInbound(Unpooled.copiedBuffer("GET /static/app.js HTTP/1.1\r\n" + headerLines + "\r\n",
                    StandardCharsets.US_ASCII));
            FullHttpRequest r = decoder.readInbound();
            assertThat(r).isNotNull();
            assertThat(r.decoderResult().isSuccess()).isTrue();
            return r;
        } finally {
            decoder.finishAndReleaseAll();
        }
    }

    @Test
    void get_namesDecodedFromTheWireInMixedCase_answersAsNettysOwnLookup() {
        StringBuilder wire = new StringBuilder("Host: origin.example.com\r\n");
        int i = 0;
        for (String name : CORE_NAMES) {
            wire.append(mixedCase(name, i++)).append(": v-").append(name).append("\r\n");
        }
        wire.append("X-Origin-VERIFY: custom\r\n");
        FullHttpRequest r = decode(wire.toString());
        try {
            HttpHeaders h = r.headers();
            NettyHeaderSource source = new NettyHeaderSource();
            source.set(h);
            for (String name : CORE_NAMES) {
                // the stored name is the decoder's, not a constant: the match is by content, any case
                assertThat(source.get(name)).as(name).hasToString("v-" + name);
                assertThat(source.get(new String(name))).as(name).hasToString("v-" + name);
                assertThat(source.get(name).toString()).isEqualTo(h.get(name));
            }
            assertThat(source.get("x-origin-verify")).hasToString("custom");
            assertThat(source.get("host")).hasToString("origin.example.com");
            assertThat(source.get("x-absent")).isNull();
            assertThat(source.get("")).isNull();
        } finally {
            r.release();
        }
    }

    @Test
    void get_decodedNamesAbsent_answersNullForEveryCoreName() {
        FullHttpRequest r = decode("Host: origin.example.com\r\nAccept-Encoding: gzip\r\n");
        try {
            NettyHeaderSource source = new NettyHeaderSource();
            source.set(r.headers());
            for (String name : CORE_NAMES) {
                assertThat(source.get(name)).as(name).isNull();
            }
        } finally {
            r.release();
        }
    }

    @Test
    void record_customRuleHeaderDecodedInMixedCase_isRecognisedThroughTheView() {
        RecognitionRules rules = RecognitionRules.builder()
                .sharedSecret("x-origin-verify", "s3cret-value", Cdn.FASTLY)
                .requireTrust()
                .build();
        FullHttpRequest trusted = decode("Host: origin.example.com\r\nUser-Agent: Amazon CloudFront\r\n"
                + "X-ORIGIN-Verify: s3cret-value\r\n");
        FullHttpRequest untrusted = decode("Host: origin.example.com\r\nUser-Agent: Amazon CloudFront\r\n"
                + "x-origin-verify: wrong-value\r\n");
        try (CdnGuard guard = CdnGuard.builder().evaluationThread(false).builtInChecks(false)
                .persistBaseline(false).recognition(rules).build()) {
            NettyHeaderSource request = new NettyHeaderSource();
            NettyHeaderSource response = new NettyHeaderSource();
            response.set(new DefaultHttpHeaders().add(HttpHeaderNames.CACHE_CONTROL, "max-age=60"));
            Exchange exchange = new Exchange() {
                @Override
                public String method() {
                    return "GET";
                }

                @Override
                public int status() {
                    return 200;
                }

                @Override
                public CharSequence path() {
                    return "/static/app.js";
                }

                @Override
                public HeaderSource requestHeaders() {
                    return request;
                }

                @Override
                public HeaderSource responseHeaders() {
                    return response;
                }

                @Override
                public long responseBytes() {
                    return 10;
                }

                @Override
                public long durationNanos() {
                    return 1_000;
                }
            };
            request.set(trusted.headers());
            guard.record(exchange);
            request.set(untrusted.headers());
            guard.record(exchange);

            GuardSnapshot s = guard.snapshot();
            // the secret's header matched whatever its case, and named the CDN the rule gives
            assertThat(s.cdnFetches(Cdn.FASTLY)).isEqualTo(1);
            assertThat(s.cdnFetches(Cdn.CLOUDFRONT)).isZero();
            // a wrong secret is not trusted: counted as direct
            assertThat(s.otherRequests(RequestKind.DIRECT)).isEqualTo(1);
        } finally {
            trusted.release();
            untrusted.release();
        }
    }

    @Test
    void asciiName_isCaseExactForTheCoreNames_andLeavesOtherCasesToNetty() {
        // names the core never asks with (upper case) are passed through unchanged: Netty's
        // case-insensitive lookup still answers for them
        HttpHeaders h = new DefaultHttpHeaders().add("User-Agent", "ua");
        NettyHeaderSource source = new NettyHeaderSource();
        source.set(h);
        assertThat(NettyHeaderSource.asciiName("USER-AGENT")).isEqualTo("USER-AGENT");
        assertThat(source.get("USER-AGENT".toLowerCase(Locale.ROOT))).hasToString("ua");
        assertThat(source.get("USER-AGENT")).hasToString("ua");
    }
}
