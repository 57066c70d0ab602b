package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HttpDatesTest {

    private static final long NOV_6_1994 = 784111777000L; // Sun, 06 Nov 1994 08:49:37 GMT

    @Test
    void parse_threeRfc9110Formats_sameInstant() {
        assertThat(HttpDates.parse("Sun, 06 Nov 1994 08:49:37 GMT")).isEqualTo(NOV_6_1994);
        assertThat(HttpDates.parse("Sunday, 06-Nov-94 08:49:37 GMT")).isEqualTo(NOV_6_1994);
        assertThat(HttpDates.parse("Sun Nov  6 08:49:37 1994")).isEqualTo(NOV_6_1994);
    }

    @Test
    void parse_traceLastModified_matchesJavaTime() {
        String v = "Fri, 01 Apr 2022 13:05:51 GMT";
        long expected = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
        assertThat(HttpDates.parse(v)).isEqualTo(expected);
    }

    @Test
    void parse_agreesWithJavaTimeOverManyDates() {
        DateTimeFormatter imf = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.ROOT);
        ZonedDateTime t = ZonedDateTime.parse("1970-01-01T00:00:00Z");
        for (int i = 0; i < 2000; i++) {
            t = t.plusSeconds(1_234_567L + i * 7919L);
            assertThat(HttpDates.parse(imf.format(t))).as(imf.format(t)).isEqualTo(t.toInstant().toEpochMilli());
        }
    }

    @Test
    void parse_leapDayAndCaseAndWhitespace() {
        assertThat(HttpDates.parse("Thu, 29 Feb 2024 00:00:00 GMT")).isEqualTo(1709164800000L);
        assertThat(HttpDates.parse("  thu, 29 FEB 2024 00:00:00 gmt  ")).isEqualTo(1709164800000L);
        assertThat(HttpDates.parse("Thu, 01 Jan 1970 00:00:00 GMT")).isZero();
        assertThat(HttpDates.parse("Thu, 01 Jan 1970 00:00:00 UTC")).isZero();
        assertThat(HttpDates.parse("Wed, 31 Dec 1969 23:59:59 GMT")).isEqualTo(-1000L);
        assertThat(HttpDates.parse("Thursday, 01-Jan-70 00:00:00 GMT")).isZero();
        assertThat(HttpDates.parse("Saturday, 01-Jan-00 00:00:00 GMT")).isEqualTo(946684800000L);
        assertThat(HttpDates.parse("Sun Nov 16 08:49:37 1994")).isEqualTo(NOV_6_1994 + 10 * 86_400_000L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0", "-1", "now", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 CET",
            "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 94 08:49:37 GMT", "Sun, 31 Feb 2022 00:00:00 GMT",
            "Sun, 29 Feb 2023 00:00:00 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 00 Nov 1994 08:49:37 GMT", "Sun,06 Nov 1994 08:49:37 GMT",
            "1994-11-06T08:49:37Z", "Sun Nov  6 08:49:37 94", "Sun, 06 Nov 1994 08:49:37 GMT trailing",
            "Su, 06 Nov 1994 08:49:37 GMT", "Sun, 0x Nov 1994 08:49:37 GMT", "Sun, 06 Nov 199x 08:49:37 GMT"})
    void parse_invalid_returnsInvalid(String text) {
        assertThat(HttpDates.parse(text)).isEqualTo(HttpDates.INVALID);
    }

    @Test
    void parse_everyMonthInAnyCase_andNearMisses() {
        String[] names = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        for (int m = 0; m < 12; m++) {
            long expected = ZonedDateTime.of(2026, m + 1, 5, 12, 0, 0, 0, java.time.ZoneOffset.UTC).toInstant().toEpochMilli();
            for (String name : new String[] {names[m], names[m].toUpperCase(), names[m].toLowerCase(),
                    names[m].substring(0, 1).toLowerCase() + names[m].substring(1).toUpperCase()}) {
                assertThat(HttpDates.parse("Xxx, 05 " + name + " 2026 12:00:00 GMT")).as(name).isEqualTo(expected);
            }
            String n = names[m];
            // one character off, or a character that lower-cases only outside ASCII, is no month
            for (String bad : new String[] {n.substring(0, 2) + "x", "x" + n.substring(1), n.charAt(0) + "\u0130" + n.charAt(2),
                    (char) (n.charAt(0) + 0x100) + n.substring(1), n.substring(0, 2) + (char) (n.charAt(2) | 0x80)}) {
                assertThat(HttpDates.parse("Xxx, 05 " + bad + " 2026 12:00:00 GMT")).as(bad).isEqualTo(HttpDates.INVALID);
            }
        }
    }

    @Test
    void parse_stringAndOtherCharSequences_agree_onDatesAndEveryOneCharacterMutation() {
        DateTimeFormatter imf = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.ROOT);
        java.util.Random r = new java.util.Random(29);
        String alphabet = "0123456789 ,:-+aAgGmMtTuUcCzZ\t\u00e9\u0660";
        ZonedDateTime t = ZonedDateTime.parse("1970-01-01T00:00:00Z");
        for (int i = 0; i < 300; i++) {
            t = t.plusSeconds(9_876_543L + i * 104_729L);
            String date = imf.format(t);
            assertThat(date).hasSize(29);
            for (int pos = 0; pos < date.length(); pos++) {
                char[] c = date.toCharArray();
                c[pos] = alphabet.charAt(r.nextInt(alphabet.length()));
                String mutated = new String(c);
                assertThat(HttpDates.parse(mutated)).as(mutated).isEqualTo(HttpDates.parse(new StringBuilder(mutated)));
            }
            assertThat(HttpDates.parse(date)).isEqualTo(t.toInstant().toEpochMilli())
                    .isEqualTo(HttpDates.parse(new StringBuilder(date)));
        }
        for (String edge : new String[] {"Sun, 06 Nov 1994 24:49:37 GMT", "Sun, 06 Nov 1994 08:60:37 GMT",
                "Sun, 06 Nov 1994 08:49:60 GMT", "Sun, 06 Nov 1994 08:49:61 GMT", "Sun, 31 Apr 1994 08:49:37 GMT",
                "Sun, 06 Nov 1994 08:49:37 utc", "Sun, 06 Nov 1994 08:49:37 GMt", "1un, 06 Nov 1994 08:49:37 GMT",
                "Sun, 06 Nov 1994 08:49:37 GM ", " Sun, 06 Nov 1994 08:49:37 GM"}) {
            assertThat(HttpDates.parse(edge)).as(edge).isEqualTo(HttpDates.parse(new StringBuilder(edge)));
        }
        assertThat(HttpDates.parse("Sun, 06 Nov 1994 08:49:60 GMT")).isEqualTo(NOV_6_1994 + 22_000L);
    }

    @Test
    void parse_nullAndHuge_invalid() {
        assertThat(HttpDates.parse(null)).isEqualTo(HttpDates.INVALID);
        assertThat(HttpDates.parse("Sun, 06 Nov 1994 08:49:37 GMT" + " ".repeat(70_000) + "x")).isEqualTo(HttpDates.INVALID);
    }
}
