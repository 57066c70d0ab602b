package io.cdnguard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.GuardSnapshot;
import io.cdnguard.RequestKind;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --trace-log FILE} of a sample origin: every exchange the origin served, as trace lines, on a
 * real socket. Written once; each sample's test is a subclass that starts its origin.
 */
public abstract class TraceLogContract {

    private RunningOrigin origin;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** Starts the sample origin with these command-line arguments. */
    protected abstract RunningOrigin start(String... args) throws Exception;

    /** The origin's usage text ({@code --help}). */
    protected abstract String usage();

    @AfterEach
    final void stop() {
        if (origin != null) {
            origin.close();
        }
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + origin.port() + path))
                .timeout(Duration.ofSeconds(30));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static long recorded(GuardSnapshot s) {
        long n = s.cdnFetches() + s.invalid();
        for (RequestKind k : RequestKind.values()) {
            n += k == RequestKind.CDN ? 0 : s.otherRequests(k);
        }
        return n;
    }

    @Test
    void traceLog_writesEveryServedExchangeAsATraceLine(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("trace.jsonl");
        origin = start("--port", "0", "--host", "127.0.0.1", "--trace-log", trace.toString());
        assertThat(usage()).contains("--trace-log FILE");

        String etag = get("/app.js", "User-Agent", "Amazon CloudFront").headers().firstValue("etag").orElseThrow();
        assertThat(get("/app.js", "User-Agent", "Amazon CloudFront", "If-None-Match", etag).statusCode()).isEqualTo(304);
        assertThat(get("/missing.png", "User-Agent", "Mozilla/5.0 \"quoted\"").statusCode()).isEqualTo(404);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (recorded(origin.guard().snapshot()) < 3 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        origin.close();
        origin = null;

        List<String> lines = Files.readAllLines(trace);
        assertThat(lines).hasSize(3);
        assertThat(lines).allMatch(l -> l.startsWith("{\"ts\":\"") && l.endsWith("}"));
        assertThat(lines.get(0)).contains("\"method\":\"GET\"", "\"path\":\"/app.js\"", "\"status\":200",
                "\"user-agent\":\"Amazon CloudFront\"", "\"cache-control\":\"public, max-age=3600\"");
        assertThat(lines.get(1)).contains("\"status\":304", "\"if-none-match\":\"" + etag.replace("\"", "\\\"") + "\"");
        assertThat(lines.get(2)).contains("\"path\":\"/missing.png\"", "\"status\":404",
                "\"user-agent\":\"Mozilla/5.0 \\\"quoted\\\"\"");
    }
}
