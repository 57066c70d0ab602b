package io.cdnguard.samples.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;

class Rfc3339Test {

    @Test
    void parse_zuluWithMillis_matchesInstant() {
        assertThat(Rfc3339.parse("2021-04-04T01:59:58.120Z")).isEqualTo(Instant.parse("2021-04-04T01:59:58.120Z").toEpochMilli());
    }

    @Test
    void parse_offsetsAndFractions_matchOffsetDateTime() {
        for (String s : new String[] {"2021-04-04T03:59:58+02:00", "2021-04-03T21:00:00.5-05:00", "2020-02-29T23:59:59.999999999Z",
            "1999-12-31T23:59:59.1+00:00", "2022-06-19T03:00:22.621+05:30"}) {
            assertThat(Rfc3339.parse(s)).as(s).isEqualTo(OffsetDateTime.parse(s).toInstant().toEpochMilli());
        }
    }

    @Test
    void parse_lowerCaseAndSpaceSeparator_accepted() {
        long expected = Instant.parse("2021-04-04T02:00:00Z").toEpochMilli();
        assertThat(Rfc3339.parse("2021-04-04t02:00:00z")).isEqualTo(expected);
        assertThat(Rfc3339.parse("2021-04-04 02:00:00Z")).isEqualTo(expected);
    }

    @Test
    void parse_garbage_isInvalid() {
        for (String s : new String[] {"", "2021-04-04", "2021-04-04T02:00:00", "2021-13-04T02:00:00Z", "2021-02-30T02:00:00Z",
            "2021-04-04T25:00:00Z", "2021-04-04T02:00:00.Z", "2021-04-04T02:00:00Zjunk", "2021-04-04T02:00:00+0200", "abcd-ef-ghTij:kl:mnZ"}) {
            assertThat(Rfc3339.parse(s)).as(s).isEqualTo(Rfc3339.INVALID);
        }
    }

    @Test
    void format_wholeSeconds_hasNoFraction_andMillisWhenPresent() {
        assertThat(Rfc3339.format(Instant.parse("2021-04-04T02:14:00Z").toEpochMilli())).isEqualTo("2021-04-04T02:14:00Z");
        assertThat(Rfc3339.format(Instant.parse("2021-04-04T02:14:00.007Z").toEpochMilli())).isEqualTo("2021-04-04T02:14:00.007Z");
        assertThat(Rfc3339.format(Instant.parse("1960-01-01T00:00:00Z").toEpochMilli())).isEqualTo("1960-01-01T00:00:00Z");
    }

    @Test
    void format_thenParse_roundTrips() {
        for (long t = -86_400_000L * 400; t < 86_400_000L * 30000; t += 86_400_000L * 37 + 12_345_678L) {
            assertThat(Rfc3339.parse(Rfc3339.format(t))).isEqualTo(t);
            assertThat(Instant.parse(Rfc3339.format(t)).toEpochMilli()).isEqualTo(t);
        }
    }

    @Test
    void stream_randomTimestampsAndMutations_sameAsParse() {
        // runs of timestamps sharing their minute (the stream's remembered prefix), then mutated
        // copies (a char replaced, a char cut, the zone changed) that must not borrow the prefix
        java.util.Random rnd = new java.util.Random(11);
        Rfc3339.Stream stream = new Rfc3339.Stream();
        String alphabet = "0123456789-:T tZz+.x";
        for (int i = 0; i < 200_000; i++) {
            long t = -86_400_000L * 800 + (long) (rnd.nextDouble() * 86_400_000L * 30000);
            if (rnd.nextInt(4) != 0) {
                t = t - t % 60_000 + rnd.nextInt(60_000); // another time in a recent minute
            }
            StringBuilder sb = new StringBuilder(Rfc3339.format(t));
            int k = rnd.nextInt(8);
            if (k == 0) {
                sb.setCharAt(rnd.nextInt(sb.length()), alphabet.charAt(rnd.nextInt(alphabet.length())));
            } else if (k == 1) {
                sb.deleteCharAt(rnd.nextInt(sb.length()));
            } else if (k == 2) {
                sb.setLength(sb.length() - 1);
                sb.append(rnd.nextBoolean() ? "+05:30" : "-11:00");
            } else if (k == 3 && sb.length() > 19) {
                sb.setCharAt(16, ':');
                sb.setCharAt(17, (char) ('0' + rnd.nextInt(10)));
            }
            String s = sb.toString();
            char[] c = ("##" + s + "#").toCharArray(); // at an offset, followed by another char
            assertThat(stream.parse(c, 2, s.length())).as(s).isEqualTo(Rfc3339.parse(s));
        }
    }

    @Test
    void stream_sameMinuteThenInvalidPrefix_doesNotReuseTheMinute() {
        Rfc3339.Stream stream = new Rfc3339.Stream();
        char[] a = "2021-04-04T02:14:05.250Z".toCharArray();
        assertThat(stream.parse(a, 0, a.length)).isEqualTo(Instant.parse("2021-04-04T02:14:05.250Z").toEpochMilli());
        char[] b = "2021-04-04T02:14:61Z".toCharArray();
        assertThat(stream.parse(b, 0, b.length)).isEqualTo(Rfc3339.INVALID);
        char[] c = "2021-02-30T02:14:05Z".toCharArray();
        assertThat(stream.parse(c, 0, c.length)).isEqualTo(Rfc3339.INVALID);
        char[] d = "2021-04-04T02:14:59+01:00".toCharArray();
        assertThat(stream.parse(d, 0, d.length)).isEqualTo(OffsetDateTime.parse("2021-04-04T02:14:59+01:00").toInstant().toEpochMilli());
    }
}
