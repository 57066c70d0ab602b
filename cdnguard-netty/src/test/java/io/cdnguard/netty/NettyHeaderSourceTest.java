package io.cdnguard.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.ReadOnlyHttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;
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
}
