package io.alexstream.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The demo's closing table: one row per version (holdout and test accuracy), then delivery, latency, accuracy. */
final class DemoTable {

    private DemoTable() {}

    static void print(Map<String, Object> r, PrintStream out) {
        out.println();
        out.printf(
                Locale.ROOT,
                "%-8s %-9s %-9s %-9s %-9s %-9s %-9s %-9s%n",
                "version",
                "at (s)",
                "hold-t1",
                "hold-t5",
                "hold-t1c",
                "test-t1",
                "test-t5",
                "test-t1c");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> versions = (List<Map<String, Object>>) r.get("per_version");
        for (Map<String, Object> v : versions) {
            @SuppressWarnings("unchecked")
            Map<String, Object> holdout = (Map<String, Object>) v.get("holdout");
            boolean serving = v.get("version").equals(r.get("serving_version"));
            out.printf(
                    Locale.ROOT,
                    "%-8s %-9s %-9s %-9s %-9s %-9s %-9s %-9s%n",
                    v.get("version"),
                    v.get("seconds"),
                    fmt(holdout.get("top1")),
                    fmt(holdout.get("top5")),
                    fmt(holdout.get("top1_center")),
                    fmt(v.get("test_top1")),
                    fmt(v.get("test_top5")),
                    serving ? fmt(r.get("top1_center")) : "-");
        }
        out.printf(
                Locale.ROOT,
                "dataset %s: sent %s, answered %s, lost %s, duplicated %s, dead-lettered %s %s%n",
                r.get("dataset"),
                r.get("sent"),
                r.get("answered"),
                r.get("lost"),
                r.get("duplicates"),
                r.get("dead_lettered"),
                r.get("dead_letter_reasons"));
        out.printf(
                Locale.ROOT,
                "Kafka path: %s images/s, latency p50 %s ms, p99 %s ms; gRPC unary: p50 %s ms, p99 %s ms%n",
                r.get("kafka_images_per_s"),
                r.get("kafka_latency_p50_ms"),
                r.get("kafka_latency_p99_ms"),
                r.get("grpc_p50_ms"),
                r.get("grpc_p99_ms"));
        out.printf(
                Locale.ROOT,
                "last version %s on the %s test images: top-1 %s, top-5 %s (10 crops), top-1 %s (centre crop); "
                        + "%s s in all%n",
                r.get("serving_version"),
                r.get("sent"),
                r.get("top1"),
                r.get("top5"),
                r.get("top1_center"),
                r.get("seconds"));
        out.println("report: " + r.get("report"));
    }

    private static String fmt(Object value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.4f", ((Number) value).doubleValue());
    }
}
