package io.cdnguard.samples.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdnguard.Cdn;
import io.cdnguard.StatusClass;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JettyOriginTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private JettyOrigin origin;

    @AfterEach
    void stop() {
        if (origin != null) {
            origin.close();
        }
    }

    @Test
    void demoAssets_servedWithCacheControlEtagAnd304_cdnFetchCountedInMetrics() throws Exception {
        origin = JettyOrigin.start(JettyOrigin.Options.parse("--port", "0", "--host", "127.0.0.1"));
        String base = "http://127.0.0.1:" + origin.port();
        byte[] bundled;
        try (InputStream in = JettyOrigin.class.getResourceAsStream("demo/app.js")) {
            bundled = in.readAllBytes();
        }

        HttpResponse<byte[]> js = send("GET", base + "/app.js", "User-Agent", "Amazon CloudFront", "X-Amz-Cf-Id", "a1b2c3==");
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.body()).isEqualTo(bundled);
        assertThat(js.headers().firstValue("cache-control")).hasValue("public, max-age=3600");
        assertThat(js.headers().firstValue("last-modified")).isPresent();
        String etag = js.headers().firstValue("etag").orElseThrow();

        HttpResponse<byte[]> revalidated = send("GET", base + "/app.js", "User-Agent", "Amazon CloudFront",
                "X-Amz-Cf-Id", "d4e5f6==", "If-None-Match", etag);
        assertThat(revalidated.statusCode()).isEqualTo(304);
        assertThat(revalidated.body()).isEmpty();
        // RFC 9111 4.3.4: the 304 refreshes the CDN's copy with the headers it carries; without
        // Cache-Control cdnguard would see an uncacheable answer and stop tracking the copy's expiry.
        assertThat(revalidated.headers().firstValue("cache-control")).hasValue("public, max-age=3600");

        HttpResponse<byte[]> head = send("HEAD", base + "/logo.svg");
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("cache-control")).hasValue("public, max-age=86400");
        long logoSize;
        try (InputStream in = JettyOrigin.class.getResourceAsStream("demo/logo.svg")) {
            logoSize = in.readAllBytes().length;
        }
        assertThat(head.headers().firstValueAsLong("content-length")).hasValue(logoSize);

        HttpResponse<byte[]> index = send("GET", base + "/");
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(new String(index.body(), StandardCharsets.UTF_8)).contains("cdnguard demo origin");

        awaitCdnFetches(2);
        assertThat(origin.guard().snapshot().cdnFetches(Cdn.CLOUDFRONT, StatusClass.SUCCESS)).isEqualTo(1);
        assertThat(origin.guard().snapshot().revalidations(Cdn.CLOUDFRONT)).isEqualTo(1);
        assertThat(origin.guard().snapshot().freshness().count()).as("the 200 and the 304 both carry a lifetime").isEqualTo(2);
        HttpResponse<byte[]> metrics = send("GET", base + "/cdnguard/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("cache-control")).hasValue("no-store");
        String text = new String(metrics.body(), StandardCharsets.UTF_8);
        assertThat(text).containsPattern("(?m)^cdnguard_cdn_fetches_total\\{cdn=\"cloudfront\",status=\"2xx\"\\} 1$");
        assertThat(text).containsPattern("(?m)^cdnguard_cdn_fetches_total\\{cdn=\"cloudfront\",status=\"3xx\"\\} 1$");

        HttpResponse<byte[]> lb = send("GET", base + "/cdnguard/health/lb");
        assertThat(lb.statusCode()).isEqualTo(200);
        assertThat(new String(lb.body(), StandardCharsets.UTF_8).trim()).isEqualTo("UP");
    }

    @Test
    void noCdnguard_servesAssetsWithoutEndpoints(@TempDir Path root) throws Exception {
        Files.writeString(root.resolve("site.css"), "p { margin: 0 }\n");
        origin = JettyOrigin.start(JettyOrigin.Options.parse("--port=0", "--host", "127.0.0.1", "--root", root.toString(),
                "--no-cdnguard"));
        String base = "http://127.0.0.1:" + origin.port();

        HttpResponse<byte[]> css = send("GET", base + "/site.css");
        assertThat(css.statusCode()).isEqualTo(200);
        assertThat(css.headers().firstValue("cache-control")).hasValue("public, max-age=3600");
        assertThat(send("GET", base + "/cdnguard/health").statusCode()).isEqualTo(404);
        assertThat(origin.guard()).isNull();
    }

    @Test
    void printUrls_namesAssetsAndEndpoints() throws Exception {
        origin = JettyOrigin.start(JettyOrigin.Options.parse("--port", "0", "--host", "127.0.0.1", "--expect-backends",
                "asset-1,asset-2"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        origin.printUrls(new PrintStream(out, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);

        assertThat(printed).contains("http://127.0.0.1:" + origin.port() + "/cdnguard/health")
                .contains("/cdnguard/metrics").contains("/cdnguard/health/lb");
        assertThat(origin.guard().snapshot().backends()).extracting(b -> b.name()).containsExactly("asset-1", "asset-2");
    }

    @Test
    void labOptions_maxAgeOverride_andDownFileTurnsHealth503(@TempDir Path dir) throws Exception {
        Path down = dir.resolve("origin.down");
        origin = JettyOrigin.start(JettyOrigin.Options.parse("--port", "0", "--host", "127.0.0.1", "--max-age", "5",
                "--time-scale", "60", "--eval-period", "1h", "--bucket", "60s", "--detection", "--down-file", down.toString()));
        String base = "http://127.0.0.1:" + origin.port();

        assertThat(send("GET", base + "/app.js").headers().firstValue("cache-control")).hasValue("public, max-age=5");
        origin.guard().evaluateNow();
        assertThat(send("GET", base + "/cdnguard/health/lb").statusCode()).isEqualTo(200);
        assertThat(origin.guard().checks()).extracting(c -> c.name()).contains("lab-down-file", "cdn-traffic", "cache-refetch");

        Files.writeString(down, "");
        origin.guard().evaluateNow();
        HttpResponse<byte[]> lb = send("GET", base + "/cdnguard/health/lb");
        assertThat(lb.statusCode()).isEqualTo(503);
        assertThat(new String(lb.body(), StandardCharsets.UTF_8).trim()).isEqualTo("DOWN");
    }

    @Test
    void helpNamesTheLabOptions() {
        assertThat(JettyOrigin.USAGE).contains("--time-scale", "--max-age", "--down-file", "--expect-backends", "--root");
        assertThat(JettyOrigin.Options.parse("--help").help).isTrue();
        assertThatThrownBy(() -> JettyOrigin.Options.parse("--time-scale", "fast")).hasMessageContaining("--time-scale");
        assertThatThrownBy(() -> JettyOrigin.Options.parse("--bucket", "0s")).hasMessageContaining("--bucket");
    }

    @Test
    void options_badInput_explained() {
        assertThatThrownBy(() -> JettyOrigin.Options.parse("--port", "eighty")).hasMessageContaining("--port");
        assertThatThrownBy(() -> JettyOrigin.Options.parse("--port", "70000")).hasMessageContaining("0..65535");
        assertThatThrownBy(() -> JettyOrigin.Options.parse("--root")).hasMessageContaining("missing value");
        assertThatThrownBy(() -> JettyOrigin.Options.parse("--root", "/no/such/dir")).hasMessageContaining("not a directory");
        assertThatThrownBy(() -> JettyOrigin.Options.parse("--frobnicate")).hasMessageContaining("unknown option");
        JettyOrigin.Options o = JettyOrigin.Options.parse();
        assertThat(o.port).isEqualTo(8081);
        assertThat(o.cdnguard).isTrue();
        assertThat(o.root).isNull();
    }

    @Test
    void cacheControl_perFileType() {
        assertThat(JettyOrigin.CacheControlFilter.cacheControl("/a/app.JS")).isEqualTo("public, max-age=3600");
        assertThat(JettyOrigin.CacheControlFilter.cacheControl("/style.css")).isEqualTo("public, max-age=3600");
        assertThat(JettyOrigin.CacheControlFilter.cacheControl("/img/logo.png")).isEqualTo("public, max-age=86400");
        assertThat(JettyOrigin.CacheControlFilter.cacheControl("/index.html")).isEqualTo("public, max-age=60");
        assertThat(JettyOrigin.CacheControlFilter.cacheControl("/data.bin")).isNull();
    }

    private void awaitCdnFetches(long n) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (origin.guard().snapshot().cdnFetches() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    private HttpResponse<byte[]> send(String method, String uri, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(30));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
