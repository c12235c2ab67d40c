package io.alexstream.cli;

import io.alexstream.bench.TrainerStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Live accuracy per version over a scenario, and its events (force-promote, canary, rollback, drift, rounds), drawn
 * as an HTML page with an SVG chart. Each point is the top-1 of the labels the evaluator joined to that version since
 * the previous sample, so a drift shows as a fall rather than being averaged into everything before it.
 */
final class ScenarioTimeline {

    /** One version's live top-1 over the labels joined to it between two samples. */
    record Point(double seconds, long version, double top1, long labelled) {}

    record Event(double seconds, String what) {}

    private static final int MIN_LABELS_PER_POINT = 20;
    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};

    private final long started;
    private final List<Point> points = new ArrayList<>();
    private final List<Event> events = new ArrayList<>();
    private final Map<Long, double[]> last = new HashMap<>();

    ScenarioTimeline(long started) {
        this.started = started;
    }

    private double now() {
        return (System.nanoTime() - started) / 1e9;
    }

    synchronized void event(String what) {
        events.add(new Event(now(), what));
    }

    /** Adds a point for every version whose labelled count grew by enough since the last sample. */
    synchronized void sample(TrainerStatus status) {
        double t = now();
        status.json().path("live").fields().forEachRemaining(e -> {
            long version = Long.parseLong(e.getKey());
            double labelled = e.getValue().path("labelled").asDouble();
            double correct = labelled * e.getValue().path("top1").asDouble();
            double[] before = last.getOrDefault(version, new double[] {0, 0});
            double newLabels = labelled - before[0];
            if (newLabels >= MIN_LABELS_PER_POINT) {
                points.add(new Point(t, version, (correct - before[1]) / newLabels, Math.round(newLabels)));
                last.put(version, new double[] {labelled, correct});
            }
        });
    }

    synchronized List<Point> points() {
        return List.copyOf(points);
    }

    synchronized List<Event> events() {
        return List.copyOf(events);
    }

    synchronized void writeHtml(Path file, String title) throws IOException {
        double end = Math.max(1, now());
        // the chart starts where the live part does: the training before it has no live figures
        double start = Math.max(
                0,
                java.util.stream.Stream.concat(
                                        points.stream().map(Point::seconds),
                                        events.stream().map(Event::seconds))
                                .min(Double::compare)
                                .orElse(0.0)
                        - 10);
        double span = Math.max(1, end - start);
        int width = 900;
        int height = 360;
        int left = 50;
        int bottom = 30;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(
                Locale.ROOT,
                "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d'"
                        + " font-family='sans-serif' font-size='11'>",
                width + 20,
                height + 20));
        for (int tick = 0; tick <= 10; tick += 2) {
            double y = height - bottom - tick / 10.0 * (height - bottom - 10);
            svg.append(String.format(
                    Locale.ROOT,
                    "<line x1='%d' x2='%d' y1='%.1f' y2='%.1f' stroke='#ddd'/><text x='5' y='%.1f'>%.1f</text>",
                    left,
                    width,
                    y,
                    y,
                    y + 4,
                    tick / 10.0));
        }
        Map<Long, List<Point>> byVersion = new TreeMap<>();
        points.forEach(p ->
                byVersion.computeIfAbsent(p.version(), v -> new ArrayList<>()).add(p));
        int colour = 0;
        StringBuilder legend = new StringBuilder();
        for (Map.Entry<Long, List<Point>> entry : byVersion.entrySet()) {
            String stroke = COLOURS[colour++ % COLOURS.length];
            StringBuilder line = new StringBuilder();
            for (Point p : entry.getValue()) {
                double x = left + (p.seconds() - start) / span * (width - left);
                double y = height - bottom - p.top1() * (height - bottom - 10);
                line.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                svg.append(String.format(
                        Locale.ROOT,
                        "<circle cx='%.1f' cy='%.1f' r='3' fill='%s'><title>version %d: %.3f over %d labels</title>"
                                + "</circle>",
                        x,
                        y,
                        stroke,
                        p.version(),
                        p.top1(),
                        p.labelled()));
            }
            svg.append(String.format(
                    Locale.ROOT, "<polyline fill='none' stroke='%s' stroke-width='2' points='%s'/>", stroke, line));
            legend.append(String.format(
                    Locale.ROOT, "<span style='color:%s'>&#9632; version %d</span> ", stroke, entry.getKey()));
        }
        int row = 0;
        for (Event event : events) {
            double x = left + (event.seconds() - start) / span * (width - left);
            svg.append(String.format(
                    Locale.ROOT,
                    "<line x1='%.1f' x2='%.1f' y1='10' y2='%d' stroke='#555' stroke-dasharray='4 3'/>"
                            + "<text x='%.1f' y='%d'>%s</text>",
                    x,
                    x,
                    height - bottom,
                    x + 3,
                    20 + 12 * (row++ % 6),
                    escape(event.what())));
        }
        svg.append(String.format(
                Locale.ROOT,
                "<text x='%d' y='%d'>seconds since the start: %.0f to %.0f</text></svg>",
                left,
                height - 8,
                start,
                end));
        StringBuilder rows = new StringBuilder();
        for (Event event : events) {
            rows.append(String.format(
                    Locale.ROOT, "<tr><td>%.0f s</td><td>%s</td></tr>", event.seconds(), escape(event.what())));
        }
        String html = "<!doctype html><html><head><meta charset='utf-8'><title>" + escape(title) + "</title></head>"
                + "<body style='font-family:sans-serif'><h1>" + escape(title) + "</h1>"
                + "<p>Live top-1 per model version: late labels joined to each version's own answers by the trainer's"
                + " evaluator, per interval between samples (at least " + MIN_LABELS_PER_POINT + " labels each)."
                + " Dashed lines: rollout and rollback events.</p>"
                + "<p>" + legend + "</p>" + svg
                + "<h2>Events</h2><table>" + rows + "</table></body></html>";
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, html);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
