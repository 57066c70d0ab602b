package io.cdnguard.netty;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.cdnguard.CdnGuard;
import io.cdnguard.testing.EndpointAbuseContract;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;

/**
 * The endpoint abuse scenarios ({@link EndpointAbuseContract}) over real sockets, through
 * {@link CdnGuardEndpointHandler} in a host pipeline (with the host's own, larger codec limits: it
 * serves a 64 KiB query string and 32 KiB of headers) and through {@link CdnGuardAdminServer}
 * (Netty's default limits: a 4 KiB request line and 8 KiB of headers, over which it answers 414 or 431
 * and closes). Netty's codec neither decodes nor normalises the path, so {@code //}, {@code %68} and
 * {@code %00} reach the endpoint handler and are answered 404. Every test also checks that no buffer
 * leaked (Netty's leak detector at PARANOID).
 */
class EndpointAbuseTest extends EndpointAbuseContract {

    private static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    private static final TypeReference<LinkedHashMap<String, Object>> OBJECT = new TypeReference<>() { };

    private TestServer host;
    private CdnGuardAdminServer admin;

    @BeforeAll
    static void leaks() {
        LeakDetection.install();
    }

    @Override
    protected List<Server> start(CdnGuard guard) throws Exception {
        host = new TestServer(ch -> ch.pipeline()
                .addLast(new HttpServerCodec(80_000, 32_768, 8192))
                .addLast(new CdnGuardHandler(guard))
                .addLast(new CdnGuardEndpointHandler(guard))
                .addLast(new AssetApp()));
        admin = CdnGuardAdminServer.start(guard, "127.0.0.1", 0);
        // Over the host codec's 32 KiB header limit the endpoint handler does not answer from partial headers:
        // it passes the failed request on to the host's handlers (see CdnGuardEndpointHandler), and this
        // host's AssetApp answers 404 and keeps the connection.
        String[] undecoded = {"/cdnguard//health", "/cdnguard/%68ealth", "/cdnguard/health%00"};
        return List.of(
                Server.of("Netty host pipeline", host.port()).recordsOwnRequests().assets("/ttl/60").acceptsDuplicateHost()
                        .notFound(undecoded).limits(200, 200, 404).keepsConnectionAfterRefusal().longestWrongToken(30_000),
                Server.of("Netty admin server", admin.port()).notFound(undecoded).limits(414, 431, 431)
                        .largestServedQuery(3_000));
    }

    @Override
    protected void stopServers() {
        if (admin != null) {
            admin.close();
        }
        if (host != null) {
            host.close();
        }
    }

    @Override
    protected void afterStop() {
        LeakDetection.assertNoLeaks();
    }

    @Override
    protected Map<String, Object> parseJson(String json) throws IOException {
        return JSON.readValue(json, OBJECT);
    }
}
