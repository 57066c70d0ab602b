package io.cdnguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdnguard.testing.ManualTimeSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link CdnGuard.Builder#expectBackendSpec(String)}: the one grammar of the expected-backends text form. */
class BackendSpecTest {

    /** Good specs: the declared backends in order, and each grouped backend's group. */
    static Stream<Arguments> goodSpecs() {
        return Stream.of(
                Arguments.of("asset-1,asset-2,api-1", List.of("asset-1", "asset-2", "api-1"), Map.of()),
                Arguments.of("a", List.of("a"), Map.of()),
                Arguments.of(" a , b ", List.of("a", "b"), Map.of()),
                Arguments.of("a b\n\tc", List.of("a", "b", "c"), Map.of()),
                Arguments.of("a,,b,", List.of("a", "b"), Map.of()),
                Arguments.of(";a;;b;", List.of("a", "b"), Map.of()),
                Arguments.of("a,b,a", List.of("a", "b"), Map.of()),
                Arguments.of("static:asset-1,asset-2;api:api-1,api-2",
                        List.of("asset-1", "asset-2", "api-1", "api-2"),
                        Map.of("asset-1", "static", "asset-2", "static", "api-1", "api", "api-2", "api")),
                Arguments.of(" static : asset-1, asset-2 ;\n api: api-1 ",
                        List.of("asset-1", "asset-2", "api-1"),
                        Map.of("asset-1", "static", "asset-2", "static", "api-1", "api")),
                Arguments.of("static:asset-1,asset-2;extra-1", List.of("asset-1", "asset-2", "extra-1"),
                        Map.of("asset-1", "static", "asset-2", "static")),
                Arguments.of("static:a,a;static:a", List.of("a"), Map.of("a", "static")),
                Arguments.of("a;static:a", List.of("a"), Map.of("a", "static")),
                Arguments.of("static:a;a", List.of("a"), Map.of("a", "static")),
                Arguments.of("r2.d_2-x:10.0.0.1", List.of("10.0.0.1"), Map.of("10.0.0.1", "r2.d_2-x")));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("goodSpecs")
    void expectBackendSpec_goodSpec_declaresBackendsAndGroups(String spec, List<String> backends, Map<String, String> groups) {
        CdnGuard.Builder b = CdnGuard.builder().expectBackendSpec(spec);
        assertThat(b.expectedBackends).containsExactlyElementsOf(backends);
        assertThat(b.backendGroups).isEqualTo(groups);
    }

    /** Bad specs and the exact message each gets. */
    static Stream<Arguments> badSpecs() {
        return Stream.of(
                Arguments.of("", "no backend in ''"),
                Arguments.of("  ", "no backend in '  '"),
                Arguments.of(" ; , ;", "no backend in ' ; , ;'"),
                Arguments.of("static:", "group 'static' without backends in 'static:'"),
                Arguments.of("static: , ;api:a", "group 'static' without backends in 'static: ,'"),
                Arguments.of(":a,b", "group without a name in ':a,b'"),
                Arguments.of("a; :b", "group without a name in ':b'"),
                Arguments.of("*:a", "bad group name '*' in '*:a': a letter, then letters, digits, '.', '_' or '-'"),
                Arguments.of("10.0.0.1:8080", "bad group name '10.0.0.1' in '10.0.0.1:8080': a letter, then letters, "
                        + "digits, '.', '_' or '-'"),
                Arguments.of("a, static: b", "bad group name 'a, static' in 'a, static: b': a letter, then letters, "
                        + "digits, '.', '_' or '-'"),
                Arguments.of("my group:a", "bad group name 'my group' in 'my group:a': a letter, then letters, "
                        + "digits, '.', '_' or '-'"),
                Arguments.of("static:a,b api:c", "more than one ':' in 'static:a,b api:c' (a missing ';'?)"),
                Arguments.of("static:a;api:a", "backend 'a' in two groups: 'static' and 'api'"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("badSpecs")
    void expectBackendSpec_badSpec_throwsNamingThePart(String spec, String message) {
        assertThatThrownBy(() -> CdnGuard.builder().expectBackendSpec(spec))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void expectBackendSpec_badSpec_declaresNothing() {
        CdnGuard.Builder b = CdnGuard.builder().expectBackend("x");
        assertThatThrownBy(() -> b.expectBackendSpec("static:a,b;api:a")).isInstanceOf(IllegalArgumentException.class);
        assertThat(b.expectedBackends).containsExactly("x");
        assertThat(b.backendGroups).isEmpty();
    }

    @Test
    void expectBackendSpec_null_throwsNullPointer() {
        assertThatThrownBy(() -> CdnGuard.builder().expectBackendSpec(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("spec");
    }

    @Test
    void expectBackendSpec_addsToEarlierDeclarations() {
        CdnGuard.Builder b = CdnGuard.builder().expectBackendGroup("static", "asset-1").expectBackendSpec("api:api-1;asset-1");
        assertThat(b.expectedBackends).containsExactly("asset-1", "api-1");
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("asset-1", "static");
        expected.put("api-1", "api");
        assertThat(b.backendGroups).isEqualTo(expected);
    }

    @Test
    void expectBackendSpec_builtGuard_declaresTheBackends() {
        ManualTimeSource clock = new ManualTimeSource(1_700_000_000_000L);
        try (CdnGuard guard = CdnGuard.builder().timeSource(clock).evaluationThread(false)
                .expectBackendSpec("static:asset-1,web-9;api:api-1,api-2").build()) {
            assertThat(guard.snapshot().backends()).filteredOn(BackendStats::expected).extracting(BackendStats::name)
                    .containsExactlyInAnyOrder("asset-1", "web-9", "api-1", "api-2");
        }
    }
}
