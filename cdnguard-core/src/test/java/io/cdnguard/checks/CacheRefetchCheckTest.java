package io.cdnguard.checks;

import static io.cdnguard.checks.TrafficModel.HOUR;
import static io.cdnguard.checks.TrafficModel.MIN;
import static io.cdnguard.checks.TrafficModel.MONDAY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdnguard.CacheExpiry;
import io.cdnguard.CheckResult;
import io.cdnguard.HealthStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CacheRefetchCheckTest {

    private static final long STEP = 10_000L;
    private static final long GRACE = 60_000L;

    /**
     * One CDN cache in front of a few hundred Zipf-popular assets with TTLs of minutes to hours,
     * as the origin's expiry tracking sees it: a copy comes due when its expiry plus the grace
     * passes without a refetch; a fetch of an asset already tracked is a refetch.
     */
    static final class Cache implements CacheExpiry {
        final SplittableRandom rnd;
        final double[] rate; // viewer requests per ms
        final long[] ttl;
        final long[] expires;
        final boolean[] due;
        long dueTotal;
        long refetched;
        long now;
        boolean originReachable = true;
        double demand = 1; // viewer demand relative to normal (a holiday: 0.25)

        Cache(long seed, int assets, double viewerPerMin) {
            rnd = new SplittableRandom(seed);
            rate = new double[assets];
            ttl = new long[assets];
            expires = new long[assets];
            due = new boolean[assets];
            double h = 0;
            for (int i = 0; i < assets; i++) {
                h += 1.0 / (i + 1);
            }
            for (int i = 0; i < assets; i++) {
                rate[i] = viewerPerMin / MIN * (1.0 / (i + 1)) / h;
                ttl[i] = TrafficModel.TTLS_SECONDS[rnd.nextInt(TrafficModel.TTLS_SECONDS.length)] * 1000L;
                expires[i] = Long.MIN_VALUE;
            }
        }

        void advance(long to) {
            now = to;
            for (int i = 0; i < rate.length; i++) {
                boolean requested = rnd.nextDouble() < -Math.expm1(-rate[i] * demand * STEP);
                boolean tracked = expires[i] != Long.MIN_VALUE;
                if (requested && (!tracked || now >= expires[i]) && originReachable) {
                    if (tracked) {
                        refetched++;
                    }
                    expires[i] = now + ttl[i];
                    due[i] = false;
                }
                if (tracked && !due[i] && now >= expires[i] + GRACE) {
                    due[i] = true;
                    dueTotal++;
                }
            }
        }

        @Override
        public long expiringWithin(int h) {
            return 0;
        }

        @Override
        public long overdue() {
            long n = 0;
            for (boolean d : due) {
                n += d ? 1 : 0;
            }
            return n;
        }

        @Override
        public long oldestOverdueMillis() {
            long oldest = 0;
            for (int i = 0; i < due.length; i++) {
                if (due[i]) {
                    oldest = Math.max(oldest, now - expires[i]);
                }
            }
            return oldest;
        }

        @Override
        public long dueTotal() {
            return dueTotal;
        }

        @Override
        public long refetchedTotal() {
            return refetched;
        }

        @Override
        public long tracked() {
            return rate.length;
        }
    }

    @Test
    void fullStop_onAprilFourLikeTraffic_degradesWithinAnHourAndRecovers() {
        for (long seed = 1; seed <= 2; seed++) {
            CacheRefetchCheck check = CacheRefetchCheck.builder().build();
            Cache cache = new Cache(seed, 300, 12);
            TrafficModel.FakeSnapshot s = new TrafficModel.FakeSnapshot(MONDAY);
            s.expiry = cache;
            long stop = MONDAY + 26 * HOUR;
            long back = stop + 6 * HOUR;
            long firstAlarm = Long.MAX_VALUE;
            long cleared = Long.MAX_VALUE;
            int alarms = 0;
            HealthStatus prev = HealthStatus.UP;
            CheckResult atAlarm = null;
            List<String> transitions = new ArrayList<>();
            for (long t = MONDAY; t <= back + 2 * HOUR; t += STEP) {
                cache.originReachable = t < stop || t >= back;
                cache.advance(t);
                s.time = t;
                CheckResult r = check.evaluate(s);
                if (r.status() != prev) {
                    transitions.add(java.time.Instant.ofEpochMilli(t) + " " + r);
                }
                if (r.status() != HealthStatus.UP && prev == HealthStatus.UP) {
                    alarms++;
                    if (firstAlarm == Long.MAX_VALUE) {
                        firstAlarm = t;
                        atAlarm = r;
                    }
                }
                if (r.status() == HealthStatus.UP && prev != HealthStatus.UP && cleared == Long.MAX_VALUE) {
                    cleared = t;
                }
                prev = r.status();
            }
            double delay = (firstAlarm - stop) / (double) MIN;
            System.out.printf("cache-refetch full stop, seed %d: delay %.1f min; %s%n", seed, delay, atAlarm);
            assertThat(alarms).as("%s", transitions).isEqualTo(1);
            assertThat(delay).isBetween(0.0, 60.0);
            assertThat(atAlarm.status()).isEqualTo(HealthStatus.DEGRADED);
            assertThat(atAlarm.message()).contains("overdue");
            assertThat((Long) atAlarm.details().get("overdue")).isPositive();
            assertThat((Long) atAlarm.details().get("refetched")).isLessThanOrEqualTo((Long) atAlarm.details().get("due") / 10);
            assertThat(cleared).isBetween(back, back + 30 * MIN);
        }
    }

    @Test
    void holiday_demandDriftsToAQuarterFromMidnight_neverDegrades() {
        for (long seed = 1; seed <= 4; seed++) {
            CacheRefetchCheck check = CacheRefetchCheck.builder().build();
            Cache cache = new Cache(40 + seed, 300, 12);
            TrafficModel.FakeSnapshot s = new TrafficModel.FakeSnapshot(MONDAY);
            s.expiry = cache;
            List<String> transitions = new ArrayList<>();
            HealthStatus prev = HealthStatus.UP;
            for (long t = MONDAY; t <= MONDAY + 3 * 24 * HOUR; t += STEP) {
                // from midnight, demand drifts down to a quarter over two hours (no step): the less
                // popular assets go unrequested and their copies come due without a refetch
                long since = t - (MONDAY + 2 * 24 * HOUR);
                cache.demand = since <= 0 ? 1 : Math.max(0.25, 1 - 0.75 * since / (2.0 * HOUR));
                cache.advance(t);
                s.time = t;
                CheckResult r = check.evaluate(s);
                if (r.status() != prev) {
                    transitions.add(java.time.Instant.ofEpochMilli(t) + " " + r);
                    prev = r.status();
                }
            }
            assertThat(transitions).as("seed %d", seed).isEmpty();
        }
    }

    @Test
    void quietNightTraffic_neverDegrades() {
        CacheRefetchCheck check = CacheRefetchCheck.builder().build();
        Cache cache = new Cache(3, 300, 2); // very quiet
        TrafficModel.FakeSnapshot s = new TrafficModel.FakeSnapshot(MONDAY);
        s.expiry = cache;
        for (long t = MONDAY; t <= MONDAY + 2 * 24 * HOUR; t += STEP) {
            cache.advance(t);
            s.time = t;
            assertThat(check.evaluate(s).status()).as("at %s", t).isEqualTo(HealthStatus.UP);
        }
    }

    @Test
    void expiryUnavailable_reportsUpWarmingUp() {
        CacheRefetchCheck check = CacheRefetchCheck.builder().build();
        CheckResult r = check.evaluate(new TrafficModel.FakeSnapshot(MONDAY)); // expiry() throws
        assertThat(r.status()).isEqualTo(HealthStatus.UP);
        assertThat(r.message()).isEqualTo("warming up: expiry tracking unavailable");
        assertThat(check.name()).isEqualTo("cache-refetch");
    }

    @Test
    void detector_countersGoingBackwardsOrClockJumps_doNotAlarm() {
        CacheRefetchCheck.Detector d = new CacheRefetchCheck.Detector(30 * MIN, 10, 0.25, 10);
        long t = MONDAY;
        long due = 0;
        long ref = 0;
        for (int i = 0; i < 2000; i++) {
            t += STEP;
            due += i % 3 == 0 ? 1 : 0;
            ref += i % 3 == 0 ? 1 : 0;
            if (i == 700) {
                due = 0; // a restart of the guard
                ref = 0;
            }
            if (i == 900) {
                t -= HOUR;
            }
            if (i == 1200) {
                t += 5 * HOUR;
            }
            assertThat(d.update(t, due, ref).alarm).as("step %d", i).isFalse();
        }
    }

    @Test
    void builder_rejectsBadValues() {
        assertThatThrownBy(() -> CacheRefetchCheck.builder().window(Duration.ofMinutes(1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("window");
        assertThatThrownBy(() -> CacheRefetchCheck.builder().minDue(0).build()).hasMessageContaining("minDue");
        assertThatThrownBy(() -> CacheRefetchCheck.builder().maxRefetchRatio(1.5).build()).hasMessageContaining("1.5");
        assertThatThrownBy(() -> CacheRefetchCheck.builder().minEvidenceNats(0).build()).hasMessageContaining("minEvidenceNats");
    }
}
