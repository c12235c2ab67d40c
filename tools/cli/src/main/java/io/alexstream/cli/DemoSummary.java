package io.alexstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.alexstream.bench.Percentiles;
import io.alexstream.engine.model.Profiles;
import io.alexstream.proto.v1.ClassifyResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's result, keyed as in {@code demo --json}: delivery (sent, answered, lost, duplicated, dead-lettered),
 * top-1/top-5 per served version on the Kafka path and of the centre crops over gRPC, latencies, the confusion matrix.
 */
final class DemoSummary {

    private DemoSummary() {}

    static Map<String, Object> summarize(
            Dataset data,
            TestStream.Observed observed,
            Map<String, ClassifyResponse> centre,
            double[] grpcMillis,
            JsonNode status,
            List<Map<String, Object>> timeline,
            long started,
            long servingVersion) {
        Map<String, Integer> labels = new HashMap<>();
        data.test().forEach(s -> labels.put(s.id(), s.label()));
        // per served version: test top-1 / top-5 (10-crop, Kafka path)
        Map<Long, int[]> byVersion = new java.util.TreeMap<>();
        int[][] confusion = new int[10][10];
        for (Map.Entry<String, JsonNode> entry : observed.predictions().entrySet()) {
            Integer label = labels.get(entry.getKey());
            if (label == null) {
                continue;
            }
            JsonNode p = entry.getValue();
            int[] counts = byVersion.computeIfAbsent(p.path("model_version").asLong(), v -> new int[3]);
            counts[0]++;
            int predicted = p.path("top").get(0).path("index").asInt();
            if (predicted == label) {
                counts[1]++;
            }
            for (JsonNode score : p.path("top")) {
                if (score.path("index").asInt() == label) {
                    counts[2]++;
                    break;
                }
            }
            if (label < 10 && predicted < 10) {
                confusion[label][predicted]++;
            }
        }
        int centreRight = 0;
        int centreTop5 = 0;
        for (Map.Entry<String, ClassifyResponse> entry : centre.entrySet()) {
            Integer label = labels.get(entry.getKey());
            if (label == null || !entry.getValue().hasPrediction()) {
                continue;
            }
            var top = entry.getValue().getPrediction().getTopList();
            if (top.get(0).getIndex() == label) {
                centreRight++;
            }
            if (top.stream().anyMatch(s -> s.getIndex() == label)) {
                centreTop5++;
            }
        }
        long answered = data.test().stream()
                .filter(s -> observed.answers().containsKey(s.id()))
                .count();
        long duplicates = observed.answers().values().stream()
                .mapToLong(n -> Math.max(0, n - 1))
                .sum();
        double[] kafkaLatency = observed.latencyMillis().values().stream()
                .mapToDouble(Double::doubleValue)
                .toArray();

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("dataset", data.name());
        result.put("seconds", round((System.nanoTime() - started) / 1e9));
        result.put("sent", observed.sent());
        result.put("answered", answered);
        result.put("lost", observed.sent() - answered);
        result.put("duplicates", duplicates);
        result.put("dead_lettered", observed.deadLetters().size());
        result.put("dead_letter_reasons", new java.util.TreeMap<>(observed.deadLetters()));
        result.put("versions", timeline.size());
        result.put("serving_version", servingVersion);
        int[] last = byVersion.getOrDefault(servingVersion, new int[3]);
        result.put("top1", last[0] == 0 ? 0 : round4((double) last[1] / last[0]));
        result.put("top5", last[0] == 0 ? 0 : round4((double) last[2] / last[0]));
        result.put("top1_center", centre.isEmpty() ? 0 : round4((double) centreRight / centre.size()));
        result.put("top5_center", centre.isEmpty() ? 0 : round4((double) centreTop5 / centre.size()));
        result.put("kafka_images_per_s", round(observed.sent() / observed.seconds()));
        result.put("kafka_latency_p50_ms", round(Percentiles.of(kafkaLatency, 0.5)));
        result.put("kafka_latency_p99_ms", round(Percentiles.of(kafkaLatency, 0.99)));
        result.put("grpc_p50_ms", round(Percentiles.of(grpcMillis, 0.5)));
        result.put("grpc_p99_ms", round(Percentiles.of(grpcMillis, 0.99)));
        List<Map<String, Object>> versions = new ArrayList<>();
        for (Map<String, Object> point : timeline) {
            Map<String, Object> row = new LinkedHashMap<>(point);
            long version = ((Number) point.get("version")).longValue();
            int[] counts = byVersion.get(version);
            if (counts != null && counts[0] > 0) {
                row.put("test_images", counts[0]);
                row.put("test_top1", round4((double) counts[1] / counts[0]));
                row.put("test_top5", round4((double) counts[2] / counts[0]));
            }
            versions.add(row);
        }
        result.put("per_version", versions);
        result.put("confusion", confusion);
        result.put("class_names", Profiles.small().classNames());
        return result;
    }

    static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    static double round4(double v) {
        return Math.round(v * 10000) / 10000.0;
    }
}
