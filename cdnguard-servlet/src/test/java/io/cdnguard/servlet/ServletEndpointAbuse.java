package io.cdnguard.servlet;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.cdnguard.CdnGuard;
import io.cdnguard.testing.EndpointAbuseContract;
import jakarta.servlet.DispatcherType;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The endpoint abuse scenarios ({@link EndpointAbuseContract}) for {@link CdnGuardHealthServlet} behind
 * {@link CdnGuardFilter} in a real embedded container: the same web application in each container;
 * the subclass names the container and describes how it differs.
 */
abstract class ServletEndpointAbuse extends EndpointAbuseContract {

    private static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    private static final TypeReference<LinkedHashMap<String, Object>> OBJECT = new TypeReference<>() { };

    private Container container;

    /** A new, unstarted container. */
    abstract Container newContainer();

    /** The one server of this container, with its own paths and limits, on {@code port}. */
    abstract Server describe(int port);

    @Override
    protected List<Server> start(CdnGuard guard) throws Exception {
        WebApp app = new WebApp()
                .filter("cdnguard", new CdnGuardFilter(guard), "/*", DispatcherType.REQUEST, DispatcherType.ASYNC)
                .servlet("hello", new TestApp.HelloServlet(), "/hello")
                .servlet("cdnguard", new CdnGuardHealthServlet(guard), "/cdnguard/*");
        container = newContainer();
        int port = container.start(app).getPort();
        return List.of(describe(port).recordsOwnRequests().assets("/hello"));
    }

    @Override
    protected void stopServers() throws Exception {
        if (container != null) {
            container.close();
        }
    }

    @Override
    protected Map<String, Object> parseJson(String json) throws IOException {
        return JSON.readValue(json, OBJECT);
    }
}
