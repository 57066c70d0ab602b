package io.cdnguard;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StatusClassTest {

    @Test
    void of_validCodes_mapToTheirClass() {
        assertThat(StatusClass.of(100)).isEqualTo(StatusClass.INFORMATIONAL);
        assertThat(StatusClass.of(200)).isEqualTo(StatusClass.SUCCESS);
        assertThat(StatusClass.of(304)).isEqualTo(StatusClass.REDIRECTION);
        assertThat(StatusClass.of(499)).isEqualTo(StatusClass.CLIENT_ERROR);
        assertThat(StatusClass.of(599)).isEqualTo(StatusClass.SERVER_ERROR);
    }

    @Test
    void of_outOfRange_isNull() {
        assertThat(StatusClass.of(0)).isNull();
        assertThat(StatusClass.of(99)).isNull();
        assertThat(StatusClass.of(600)).isNull();
        assertThat(StatusClass.of(Integer.MIN_VALUE)).isNull();
    }

    @Test
    void upstreamFailure_fromLabel_toleratesAnything() {
        assertThat(UpstreamFailure.fromLabel("connect_refused")).isEqualTo(UpstreamFailure.CONNECT_REFUSED);
        assertThat(UpstreamFailure.fromLabel("Connect-Timeout")).isEqualTo(UpstreamFailure.CONNECT_TIMEOUT);
        assertThat(UpstreamFailure.fromLabel("weird")).isEqualTo(UpstreamFailure.OTHER);
        assertThat(UpstreamFailure.fromLabel("")).isNull();
        assertThat(UpstreamFailure.fromLabel(null)).isNull();
    }
}
