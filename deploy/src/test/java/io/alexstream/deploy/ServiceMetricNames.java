package io.alexstream.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Prometheus names our services can export, read from their sources: every Micrometer
 * meter name ({@code "alexstream.worker.publish.retries"}) as the Prometheus registry writes it,
 * with the suffixes its type and base unit add ({@code _total}, {@code _seconds}, {@code _bytes},
 * and a timer's or summary's {@code _bucket}, {@code _sum}, {@code _count}, {@code _max}). The
 * alert rules and the dashboards are checked against it, so a misspelled or renamed metric,
 * which PromQL would silently answer with an empty vector, fails a test.
 */
final class ServiceMetricNames {

    private static final Pattern METER_NAME = Pattern.compile("\"(alexstream(?:\\.[a-z0-9_]+)+)\"");
    private static final Pattern PROMQL_NAME = Pattern.compile("\\balexstream_[a-z0-9_]+");
    private static final List<String> UNITS = List.of("", "_seconds", "_bytes");
    private static final List<String> SERIES = List.of("", "_total", "_bucket", "_sum", "_count", "_max");

    private ServiceMetricNames() {}

    /** Every name a meter in the services' main sources may be exported under. */
    static Set<String> exported() {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> sources = Files.walk(RepositoryFiles.root().resolve("services"))) {
            for (Path source : sources.filter(file ->
                            file.toString().endsWith(".java") && file.toString().contains("/src/main/java/"))
                    .toList()) {
                Matcher meter = METER_NAME.matcher(Files.readString(source, StandardCharsets.UTF_8));
                while (meter.find()) {
                    String base = meter.group(1).replace('.', '_');
                    for (String unit : UNITS) {
                        for (String series : SERIES) {
                            names.add(base.endsWith(unit) ? base + series : base + unit + series);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the services' sources", e);
        }
        return names;
    }

    /** The alexstream_* names in a PromQL expression that no service exports. */
    static List<String> unknownIn(String promql, Set<String> exported) {
        return PROMQL_NAME
                .matcher(promql)
                .results()
                .map(MatchResult::group)
                .filter(name -> !exported.contains(name))
                .distinct()
                .toList();
    }
}
