package io.cdnguard.samples.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdnguard.Cdn;
import io.cdnguard.StatusClass;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sample origin on a real socket, port 0, with the bundled demo site. */
class NettyOriginTest {

    private NettyOrigin origin;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        origin = NettyOrigin.start(NettyOrigin.Options.parse("--port", "0", "--host", "127.0.0.1", "--name", "test-origin"));
    }

    @AfterEach
    void stop() {
        origin.close();
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + origin.port() + path));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void get_servesTheDemoAssetWithValidatorsAndMaxAgeByType() throws Exception {
        HttpResponse<String> js = get("/app.js");
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.body()).isEqualTo(Files.readString(origin.root().resolve("app.js")));
        assertThat(js.headers().firstValue("cache-control")).contains("public, max-age=3600");
        assertThat(js.headers().firstValue("etag")).isPresent();
        assertThat(js.headers().firstValue("last-modified")).isPresent();
        assertThat(js.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/javascript"));
        assertThat(get("/").headers().firstValue("cache-control")).contains("public, max-age=60");
        assertThat(get("/logo.svg").headers().firstValue("cache-control")).contains("public, max-age=86400");
        assertThat(get("/missing.png").statusCode()).isEqualTo(404);
        assertThat(get("/../../etc/passwd").statusCode()).isEqualTo(404);
    }

    @Test
    void conditionalGet_ifNoneMatch_304_andIfModifiedSince_304() throws Exception {
        HttpResponse<String> first = get("/style.css");
        String etag = first.headers().firstValue("etag").orElseThrow();
        String lastModified = first.headers().firstValue("last-modified").orElseThrow();
        HttpResponse<String> revalidated = get("/style.css", "If-None-Match", etag);
        assertThat(revalidated.statusCode()).isEqualTo(304);
        assertThat(revalidated.body()).isEmpty();
        assertThat(revalidated.headers().firstValue("etag")).contains(etag);
        assertThat(get("/style.css", "If-None-Match", "\"other\"").statusCode()).isEqualTo(200);
        assertThat(get("/style.css", "If-Modified-Since", lastModified).statusCode()).isEqualTo(304);
    }

    @Test
    void head_sameHeadersNoBody() throws Exception {
        HttpResponse<String> get = get("/index.html");
        HttpResponse<String> head = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + origin.port() + "/index.html"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("content-length")).contains(String.valueOf(get.body().length()));
        assertThat(head.headers().firstValue("etag")).isEqualTo(get.headers().firstValue("etag"));
        HttpResponse<String> post = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + origin.port() + "/index.html"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }

    @Test
    void metricsEndpoint_countsACdnFetch() throws Exception {
        assertThat(get("/app.js", "User-Agent", "Amazon CloudFront",
                "X-Amz-Cf-Id", "Q2xvdWRGcm9udElkLTEyMzQ1Njc4OTBhYmNkZWZnaGlqa2xtbm9w==",
                "X-Amz-Cf-Pop", "FRA56-P1").statusCode()).isEqualTo(200);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (origin.guard().snapshot().cdnFetches() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(origin.guard().snapshot().cdnFetches(Cdn.CLOUDFRONT, StatusClass.SUCCESS)).isEqualTo(1);
        HttpResponse<String> metrics = get("/cdnguard/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("cache-control")).contains("no-store");
        assertThat(metrics.body()).contains("cdnguard_cdn_fetches_total{cdn=\"cloudfront\",status=\"2xx\"} 1");
    }

    @Test
    void options_badInputNamesTheProblem() {
        assertThatThrownBy(() -> NettyOrigin.Options.parse("--port", "eighty")).hasMessageContaining("eighty");
        assertThatThrownBy(() -> NettyOrigin.Options.parse("--port", "70000")).hasMessageContaining("70000");
        assertThatThrownBy(() -> NettyOrigin.Options.parse("--root", "/no/such/dir")).hasMessageContaining("/no/such/dir");
        assertThatThrownBy(() -> NettyOrigin.Options.parse("--bogus")).hasMessageContaining("--bogus");
        assertThatThrownBy(() -> NettyOrigin.Options.parse("--port")).hasMessageContaining("needs a value");
        NettyOrigin.Options o = NettyOrigin.Options.parse("--port=9000", "--expect-backends", "a, b", "--no-cdnguard");
        assertThat(o.port).isEqualTo(9000);
        assertThat(o.expectBackendSpecs).containsExactly("a, b");
        assertThatThrownBy(() -> NettyOrigin.Options.parse("--expect-backends", "static:"))
                .hasMessage("--expect-backends: group 'static' without backends in 'static:'");
        assertThatThrownBy(() -> NettyOrigin.Options.parse("--expect-backends", ","))
                .hasMessage("--expect-backends: no backend in ','");
        assertThat(o.cdnguard).isFalse();
    }
}
