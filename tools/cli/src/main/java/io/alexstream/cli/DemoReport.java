package io.alexstream.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The demo's report: one self-contained HTML file (inline SVG charts, images as data URIs,
 * no script and nothing fetched), so it opens anywhere without a network.
 */
final class DemoReport {

    static final int GRID_IMAGES = 48;

    private DemoReport() {}

    @SuppressWarnings("unchecked")
    static void write(
            Path file,
            Map<String, Object> result,
            Dataset data,
            Map<String, Integer> top1ByImage,
            List<Map<String, Object>> timeline)
            throws IOException {
        List<String> names = (List<String>) result.get("class_names");
        StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<title>alexstream demo report</title><style>")
                .append("body{font-family:sans-serif;margin:2em;color:#222}")
                .append("table{border-collapse:collapse;margin:1em 0}")
                .append("td,th{border:1px solid #bbb;padding:4px 8px;text-align:right}th{background:#eee}")
                .append(".grid{display:flex;flex-wrap:wrap;gap:6px}.cell{width:96px;font-size:11px;text-align:center}")
                .append(".cell img{width:84px;height:84px;image-rendering:pixelated;border:3px solid #2a2}")
                .append(".cell.wrong img{border-color:#d22}.cell.wrong{color:#d22}</style></head><body>");
        html.append("<h1>alexstream demo</h1><p id=\"summary\">Dataset <b>")
                .append(esc(result.get("dataset")))
                .append("</b>; ")
                .append(result.get("seconds"))
                .append(" s in all; ")
                .append(result.get("versions"))
                .append(" versions rolled out.</p>");

        html.append("<h2>Delivery</h2><table id=\"delivery\">")
                .append("<tr><th>sent</th><th>answered</th><th>lost</th><th>duplicated</th>")
                .append("<th>dead-lettered</th><th>Kafka images/s</th><th>Kafka latency p50 / p99 (ms)</th>")
                .append("<th>gRPC p50 / p99 (ms)</th></tr><tr>")
                .append(td(result.get("sent")))
                .append(td(result.get("answered")))
                .append(td(result.get("lost")))
                .append(td(result.get("duplicates")))
                .append(td(result.get("dead_lettered")))
                .append(td(result.get("kafka_images_per_s")))
                .append(td(result.get("kafka_latency_p50_ms") + " / " + result.get("kafka_latency_p99_ms")))
                .append(td(result.get("grpc_p50_ms") + " / " + result.get("grpc_p99_ms")))
                .append("</tr></table>");

        html.append("<h2>Versions</h2><table id=\"versions\"><tr><th>version</th><th>at (s)</th><th>holdout top-1</th>")
                .append("<th>holdout top-5</th><th>holdout top-1 centre</th><th>loss</th>")
                .append("<th>test top-1 (10 crops)</th><th>test top-5</th></tr>");
        for (Map<String, Object> row : (List<Map<String, Object>>) result.get("per_version")) {
            Map<String, Object> holdout = (Map<String, Object>) row.get("holdout");
            html.append("<tr>")
                    .append(td(row.get("version")))
                    .append(td(row.get("seconds")))
                    .append(td(pct(holdout.get("top1"))))
                    .append(td(pct(holdout.get("top5"))))
                    .append(td(pct(holdout.get("top1_center"))))
                    .append(td(num(row.get("loss"))))
                    .append(td(pct(row.get("test_top1"))))
                    .append(td(pct(row.get("test_top5"))))
                    .append("</tr>");
        }
        html.append("</table><p>Last version on the test split: top-1 ")
                .append(pct(result.get("top1")))
                .append(" (10 crops), ")
                .append(pct(result.get("top1_center")))
                .append(" (centre crop), top-5 ")
                .append(pct(result.get("top5")))
                .append(".</p>");
        html.append(chart(timeline));

        int[][] confusion = (int[][]) result.get("confusion");
        html.append("<h2>Confusion matrix of the last version (rows: true class, columns: top-1)</h2>")
                .append("<table id=\"confusion\"><tr><th></th>");
        for (int c = 0; c < confusion.length; c++) {
            html.append("<th>").append(esc(short10(names, c))).append("</th>");
        }
        html.append("</tr>");
        for (int r = 0; r < confusion.length; r++) {
            int rowTotal = 0;
            for (int v : confusion[r]) {
                rowTotal += v;
            }
            html.append("<tr><th>").append(esc(short10(names, r))).append("</th>");
            for (int c = 0; c < confusion.length; c++) {
                double share = rowTotal == 0 ? 0 : (double) confusion[r][c] / rowTotal;
                String colour = r == c
                        ? String.format(Locale.ROOT, "rgba(40,160,40,%.2f)", share)
                        : String.format(Locale.ROOT, "rgba(220,40,40,%.2f)", Math.min(1, share * 3));
                html.append("<td style=\"background:")
                        .append(colour)
                        .append("\">")
                        .append(confusion[r][c])
                        .append("</td>");
            }
            html.append("</tr>");
        }
        html.append("</table>");

        html.append("<h2>Test images and their top-1 answer (wrong ones in red)</h2><div class=\"grid\" id=\"grid\">");
        int shown = 0;
        for (Sample sample : data.test()) {
            if (shown >= GRID_IMAGES) {
                break;
            }
            Integer answer = top1ByImage.get(sample.id());
            if (answer == null) {
                continue;
            }
            boolean right = answer == sample.label();
            html.append("<div class=\"cell")
                    .append(right ? "" : " wrong")
                    .append("\"><img alt=\"")
                    .append(esc(sample.id()))
                    .append("\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(sample.png()))
                    .append("\"><br>")
                    .append(esc(name(names, answer)))
                    .append(right ? "" : "<br>(is " + esc(name(names, sample.label())) + ")")
                    .append("</div>");
            shown++;
        }
        html.append("</div></body></html>\n");
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, html);
    }

    /** Holdout top-1 (green) and training loss (blue, right axis) per version, over the demo's time. */
    @SuppressWarnings("unchecked")
    private static String chart(List<Map<String, Object>> timeline) {
        int w = 560;
        int h = 240;
        int pad = 40;
        double maxT = 1;
        double maxLoss = 0.1;
        for (Map<String, Object> p : timeline) {
            maxT = Math.max(maxT, ((Number) p.get("seconds")).doubleValue());
            maxLoss = Math.max(maxLoss, ((Number) p.get("loss")).doubleValue());
        }
        StringBuilder svg = new StringBuilder(
                        "<h2>Accuracy and loss per version over time</h2><svg id=\"chart\" width=\"")
                .append(w)
                .append("\" height=\"")
                .append(h)
                .append("\">")
                .append("<rect x=\"0\" y=\"0\" width=\"")
                .append(w)
                .append("\" height=\"")
                .append(h)
                .append("\" fill=\"#fafafa\" stroke=\"#ccc\"/>");
        StringBuilder accuracy = new StringBuilder();
        StringBuilder loss = new StringBuilder();
        for (Map<String, Object> p : timeline) {
            double x = pad + (w - 2 * pad) * ((Number) p.get("seconds")).doubleValue() / maxT;
            double top1 = ((Number) ((Map<String, Object>) p.get("holdout")).get("top1")).doubleValue();
            double yA = h - pad - (h - 2 * pad) * top1;
            double yL = h - pad - (h - 2 * pad) * ((Number) p.get("loss")).doubleValue() / maxLoss;
            accuracy.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, yA));
            loss.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, yL));
            svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#2a2\"/>", x, yA))
                    .append(String.format(
                            Locale.ROOT,
                            "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">v%s %.1f%%</text>",
                            x + 5,
                            yA - 6,
                            p.get("version"),
                            100 * top1))
                    .append(String.format(
                            Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#24c\"/>", x, yL));
        }
        svg.append("<polyline fill=\"none\" stroke=\"#2a2\" stroke-width=\"2\" points=\"")
                .append(accuracy)
                .append("\"/>")
                .append("<polyline fill=\"none\" stroke=\"#24c\" stroke-dasharray=\"4\" points=\"")
                .append(loss)
                .append("\"/>")
                .append("<text x=\"8\" y=\"16\" font-size=\"12\" fill=\"#2a2\">holdout top-1 (0-100%)</text>")
                .append(String.format(
                        Locale.ROOT,
                        "<text x=\"%d\" y=\"16\" font-size=\"12\" fill=\"#24c\">training loss (0-%.2f)</text>",
                        w - 170,
                        maxLoss))
                .append(String.format(
                        Locale.ROOT,
                        "<text x=\"%d\" y=\"%d\" font-size=\"12\">seconds since the demo started (0-%.0f)</text>",
                        pad,
                        h - 10,
                        maxT))
                .append("</svg>");
        return svg.toString();
    }

    private static String name(List<String> names, int index) {
        return index >= 0 && index < names.size() ? names.get(index) : Integer.toString(index);
    }

    private static String short10(List<String> names, int index) {
        String n = name(names, index);
        return n.length() > 10 ? n.substring(0, 10) : n;
    }

    private static String td(Object value) {
        return "<td>" + esc(value) + "</td>";
    }

    private static String pct(Object value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * ((Number) value).doubleValue());
    }

    private static String num(Object value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.3f", ((Number) value).doubleValue());
    }

    private static String esc(Object value) {
        return String.valueOf(value)
                .replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
