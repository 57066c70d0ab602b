package io.cdnguard.checks;

import static io.cdnguard.checks.TrafficModel.HOUR;
import static io.cdnguard.checks.TrafficModel.MIN;
import static io.cdnguard.checks.TrafficModel.tStar;

import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Not part of the test run (its name matches no surefire pattern): the audit behind the silence
 * test's midnight floor ({@code DetectionTraffic.Config.midnightFloor}), printed as tables.
 * Holidays from a Friday midnight (demand a quarter, as a step or over a 30 min ramp) at 1 to 8
 * fetches a minute, five sites of 25 nights each: how many nights page with the configured floor
 * and without it; and full stops near midnight on an ordinary Friday: the delay in t* with and
 * without it. Run it with
 * <pre>
 * mvn -q -B -pl cdnguard-core test -Dtest=MidnightHolidayAudit -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 * and {@code -Dmidnight.minutes=60 -Dmidnight.nats=9 -Dmidnight.floor=0.4} to try other settings
 * (about 5 minutes on two cores).
 */
class MidnightHolidayAudit {

    private static final long FRI = CdnTrafficDetectorTest.FRIDAY;
    private static final double[] RATES = {1.0, 2.0, 3.6, 8.0};

    private static DetectionTraffic.Config configured() {
        DetectionTraffic.Config on = new DetectionTraffic.Config();
        on.midnightFloor = Double.parseDouble(System.getProperty("midnight.floor", String.valueOf(on.midnightFloor)));
        on.midnightFloorNats = Double.parseDouble(System.getProperty("midnight.nats", String.valueOf(on.midnightFloorNats)));
        on.midnightMillis = Long.parseLong(System.getProperty("midnight.minutes", String.valueOf(on.midnightMillis / MIN))) * MIN;
        return on;
    }

    @Test
    void holidaysFromMidnight() {
        DetectionTraffic.Config on = configured();
        DetectionTraffic.Config off = CdnTrafficDetectorTest.withoutMidnightFloor();
        System.out.printf("midnight floor %.2f at %.1f nats for %d min after midnight%n", on.midnightFloor, on.midnightFloorNats,
                on.midnightMillis / MIN);
        for (long ramp : new long[] {0, 30}) {
            for (double r : RATES) {
                int paged = CdnTrafficDetectorTest.holidayNightsPaged(r, ramp, on, new java.util.ArrayList<>());
                int pagedWithout = CdnTrafficDetectorTest.holidayNightsPaged(r, ramp, off, new java.util.ArrayList<>());
                System.out.printf("holiday, demand to 25 %% %s, %.1f fetches/min at midnight: %d of 125 nights paged, %d without the midnight floor%n",
                        ramp == 0 ? "at once" : "over " + ramp + " min", r, paged, pagedWithout);
            }
        }
    }

    @Test
    void stopsNearMidnight() {
        DetectionTraffic.Config on = configured();
        DetectionTraffic.Config off = CdnTrafficDetectorTest.withoutMidnightFloor();
        for (double r : RATES) {
            StringBuilder sb = new StringBuilder();
            for (long startMin : new long[] {-10, -3, 15, 30, 45, 60, 90}) {
                double sumOn = 0;
                double sumOff = 0;
                for (long site = 1; site <= 3; site++) {
                    long st = site;
                    Supplier<TrafficModel> learned = () -> TrafficModel.smallSite(st, 100).calibrate(r, FRI);
                    for (DetectionTraffic.Config c : new DetectionTraffic.Config[] {on, off}) {
                        TrafficModel m = learned.get();
                        m.stopFrom = FRI + startMin * MIN;
                        m.stopUntil = m.stopFrom + 3 * HOUR;
                        double ts = tStar(m.rate(m.stopFrom), 0);
                        TrafficModel.Run run = new TrafficModel.Run(m, CdnTrafficDetectorTest.warmed("friday/" + site + "/" + r, learned, c))
                                .drive(FRI - 6 * HOUR, FRI + 6 * HOUR, 10_000L);
                        double d = (run.firstAlarm - m.stopFrom) / (double) MIN / ts;
                        if (c == on) {
                            sumOn += d;
                        } else {
                            sumOff += d;
                        }
                    }
                }
                sb.append(String.format(" %+d min %.2f/%.2f", startMin, sumOn / 3, sumOff / 3));
            }
            System.out.printf("full stop, %.1f fetches/min, start after midnight: delay/t* with/without the midnight floor:%s%n", r, sb);
        }
    }
}
