package io.cdnguard.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4 for tests. It checks: every line
 * ends with a line feed; comment lines are HELP or TYPE; each family has exactly one HELP and one
 * TYPE, before its samples; a family's samples are contiguous and named after it (with
 * {@code _bucket}, {@code _sum}, {@code _count} for histograms); names, label names, label value
 * escapes and values follow the grammar; no sample (name and labels) repeats.
 */
final class PrometheusTextTestParser {

    static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    static final Pattern VALUE = Pattern.compile("[-+]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?Inf|NaN");

    /** One sample. */
    static final class Sample {
        final String name;
        final Map<String, String> labels;
        final double value;

        Sample(String name, Map<String, String> labels, double value) {
            this.name = name;
            this.labels = labels;
            this.value = value;
        }

        @Override
        public String toString() {
            return name + labels + " " + value;
        }
    }

    /** One family. */
    static final class Family {
        final String name;
        String help;
        String type;
        final List<Sample> samples = new ArrayList<>();

        Family(String name) {
            this.name = name;
        }
    }

    private PrometheusTextTestParser() {
    }

    static Map<String, Family> parse(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new IllegalArgumentException("does not end with a line feed");
        }
        Map<String, Family> families = new LinkedHashMap<>();
        java.util.Set<String> seenSeries = new java.util.HashSet<>();
        Family current = null;
        String[] lines = text.split("\n", -1);
        for (int ln = 0; ln < lines.length - 1; ln++) {
            String line = lines[ln];
            if (line.startsWith("#")) {
                String[] p = line.split(" ", 4);
                if (p.length < 3 || !"#".equals(p[0]) || !(p[1].equals("HELP") || p[1].equals("TYPE"))) {
                    throw bad(ln, line, "comment is not HELP or TYPE");
                }
                String name = p[2];
                if (!METRIC_NAME.matcher(name).matches()) {
                    throw bad(ln, line, "bad family name");
                }
                Family f = families.get(name);
                if (f == null) {
                    f = new Family(name);
                    families.put(name, f);
                } else if (!f.samples.isEmpty() || f != current) {
                    throw bad(ln, line, "HELP/TYPE after samples or family not contiguous");
                }
                current = f;
                if (p[1].equals("HELP")) {
                    if (f.help != null) {
                        throw bad(ln, line, "second HELP");
                    }
                    f.help = p.length == 4 ? p[3] : "";
                } else {
                    if (f.type != null) {
                        throw bad(ln, line, "second TYPE");
                    }
                    if (p.length != 4 || !p[3].matches("counter|gauge|histogram|summary|untyped")) {
                        throw bad(ln, line, "bad TYPE");
                    }
                    f.type = p[3];
                }
                continue;
            }
            if (line.isEmpty()) {
                throw bad(ln, line, "empty line");
            }
            Sample s = sample(ln, line);
            if (current == null || !belongs(current, s.name)) {
                throw bad(ln, line, "sample outside its family");
            }
            if (current.type == null || current.help == null) {
                throw bad(ln, line, "sample before HELP and TYPE");
            }
            if (!seenSeries.add(s.name + s.labels)) {
                throw bad(ln, line, "duplicate series");
            }
            current.samples.add(s);
        }
        for (Family f : families.values()) {
            if (f.help == null || f.type == null) {
                throw new IllegalArgumentException("family without HELP or TYPE: " + f.name);
            }
        }
        return families;
    }

    private static boolean belongs(Family f, String sampleName) {
        if ("histogram".equals(f.type)) {
            return sampleName.equals(f.name + "_bucket") || sampleName.equals(f.name + "_sum")
                    || sampleName.equals(f.name + "_count");
        }
        return sampleName.equals(f.name);
    }

    private static Sample sample(int ln, String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        if (!METRIC_NAME.matcher(name).matches()) {
            throw bad(ln, line, "bad metric name");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                if (eq < 0) {
                    throw bad(ln, line, "label without '='");
                }
                String ln2 = line.substring(i, eq);
                if (!LABEL_NAME.matcher(ln2).matches() || labels.containsKey(ln2)) {
                    throw bad(ln, line, "bad or repeated label name " + ln2);
                }
                i = eq + 1;
                if (line.charAt(i) != '"') {
                    throw bad(ln, line, "label value not quoted");
                }
                i++;
                StringBuilder v = new StringBuilder();
                while (true) {
                    char c = line.charAt(i++);
                    if (c == '"') {
                        break;
                    }
                    if (c == '\\') {
                        char e = line.charAt(i++);
                        if (e == '\\') {
                            v.append('\\');
                        } else if (e == '"') {
                            v.append('"');
                        } else if (e == 'n') {
                            v.append('\n');
                        } else {
                            throw bad(ln, line, "bad escape in label value");
                        }
                    } else {
                        v.append(c);
                    }
                }
                labels.put(ln2, v.toString());
                if (line.charAt(i) == ',') {
                    i++;
                } else if (line.charAt(i) != '}') {
                    throw bad(ln, line, "expected ',' or '}'");
                }
            }
            i++;
        }
        if (i >= line.length() || line.charAt(i) != ' ') {
            throw bad(ln, line, "expected one space before the value");
        }
        String rest = line.substring(i + 1);
        String[] parts = rest.split(" ");
        if (parts.length < 1 || parts.length > 2 || !VALUE.matcher(parts[0]).matches()
                || parts.length == 2 && !parts[1].matches("-?[0-9]+")) {
            throw bad(ln, line, "bad value or timestamp");
        }
        String vs = parts[0];
        double value = vs.endsWith("Inf") ? (vs.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY)
                : Double.parseDouble(vs);
        return new Sample(name, labels, value);
    }

    private static IllegalArgumentException bad(int ln, String line, String why) {
        return new IllegalArgumentException("line " + (ln + 1) + ": " + why + ": " + line);
    }
}
