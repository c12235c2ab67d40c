package io.alexstream.cli;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code chaos} sent and what came back. Every input has an id, a route (how it entered:
 * {@code ingest}, {@code kafka}, {@code hostile:<class>}, ...) and the keys its answer may
 * carry; the output reader reports predictions by key and dead letters by id. At the end each
 * acknowledged input is exactly one of: answered, dead-lettered, lost (no outcome at all), and
 * it is also duplicated when it got more than one outcome (two predictions, or a prediction
 * and a dead letter). An input whose correct outcome may be invisible here (a labelled record
 * the trainer stores) is marked so, and counts as {@code silent} rather than lost. Sends that
 * were never acknowledged count as {@code unacknowledged} and are owed nothing.
 */
final class ChaosLedger {

    /** One input. {@code silentIsLost}: false where storing it without a word is a correct outcome. */
    record Input(String id, String route, List<String> answerKeys, boolean silentIsLost) {}

    /** Counts for one route or for all. */
    record Tally(
            long sent,
            long acknowledged,
            long unacknowledged,
            long answered,
            long deadLettered,
            long lost,
            long silent,
            long duplicates) {

        Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("sent", sent);
            map.put("acknowledged", acknowledged);
            map.put("unacknowledged", unacknowledged);
            map.put("answered", answered);
            map.put("dead_lettered", deadLettered);
            map.put("lost", lost);
            map.put("silent", silent);
            map.put("duplicates", duplicates);
            return map;
        }
    }

    private final Map<String, Input> inputs = new LinkedHashMap<>();
    private final Map<String, String> idByKey = new HashMap<>();
    private final Map<String, Boolean> acknowledged = new HashMap<>();
    private final Map<String, Integer> answers = new HashMap<>();
    private final Map<String, Integer> deadLetters = new HashMap<>();
    private final Map<String, String> deadLetterReasons = new HashMap<>();
    private final Map<String, Long> refusedByRoute = new TreeMap<>();
    // outputs whose input is not known yet: ingest names an upload's id in its 202, and a worker can answer the
    // image before that response is read; they count once the input is known, and as foreign if it never is
    private final Map<String, Integer> earlyAnswers = new HashMap<>();
    private final Map<String, List<String>> earlyDeadLetters = new HashMap<>();

    /** An input about to be sent; its answers may come keyed by its id or by any of {@code answerKeys}. */
    synchronized void sent(String id, String route, Collection<String> answerKeys, boolean silentIsLost) {
        List<String> keys = new ArrayList<>();
        keys.add(id);
        keys.addAll(answerKeys);
        inputs.put(id, new Input(id, route, List.copyOf(keys), silentIsLost));
        keys.forEach(key -> idByKey.put(key, id));
        acknowledged.put(id, false);
        for (String key : keys) {
            Integer early = earlyAnswers.remove(key);
            if (early != null) {
                answers.merge(id, early, Integer::sum);
            }
            List<String> reasons = earlyDeadLetters.remove(key);
            if (reasons != null) {
                deadLetters.merge(id, reasons.size(), Integer::sum);
                deadLetterReasons.putIfAbsent(id, reasons.get(0));
            }
        }
    }

    synchronized void acknowledged(String id) {
        acknowledged.computeIfPresent(id, (k, v) -> true);
    }

    /** A send that got no acknowledgement and whose id may not even be known (an HTTP error from ingest). */
    synchronized void refused(String route) {
        refusedByRoute.merge(route, 1L, Long::sum);
    }

    /** A prediction keyed by {@code key}. */
    synchronized void answered(String key) {
        if (key == null) {
            earlyAnswers.merge("", 1, Integer::sum);
            return;
        }
        String id = idByKey.get(key);
        if (id == null) {
            earlyAnswers.merge(key, 1, Integer::sum);
            return;
        }
        answers.merge(id, 1, Integer::sum);
    }

    /** A dead letter for the input with this id (or one of its answer keys). */
    synchronized void deadLettered(String idOrKey, String reason) {
        if (idOrKey == null) {
            earlyDeadLetters.computeIfAbsent("", k -> new ArrayList<>()).add(reason);
            return;
        }
        String id = idByKey.get(idOrKey);
        if (id == null) {
            earlyDeadLetters.computeIfAbsent(idOrKey, k -> new ArrayList<>()).add(reason);
            return;
        }
        deadLetters.merge(id, 1, Integer::sum);
        deadLetterReasons.putIfAbsent(id, reason);
    }

    /** Outputs that matched no input of this run (other producers' images, or ids the services changed). */
    synchronized long foreignOutputs() {
        return earlyAnswers.values().stream().mapToLong(Integer::longValue).sum()
                + earlyDeadLetters.values().stream().mapToLong(List::size).sum();
    }

    /** Acknowledged inputs that still wait for their first outcome (and are owed one). */
    synchronized long awaiting() {
        return inputs.values().stream()
                .filter(i -> acknowledged.get(i.id()) && i.silentIsLost() && outcomeCount(i.id()) == 0)
                .count();
    }

    synchronized Tally tally() {
        return tally(
                inputs.values(),
                refusedByRoute.values().stream().mapToLong(Long::longValue).sum());
    }

    /** Per route, in the order the routes first appeared. */
    synchronized Map<String, Tally> byRoute() {
        Map<String, List<Input>> routes = new LinkedHashMap<>();
        inputs.values()
                .forEach(i -> routes.computeIfAbsent(i.route(), r -> new ArrayList<>())
                        .add(i));
        refusedByRoute.keySet().forEach(route -> routes.computeIfAbsent(route, r -> new ArrayList<>()));
        Map<String, Tally> tallies = new LinkedHashMap<>();
        routes.forEach((route, list) -> tallies.put(route, tally(list, refusedByRoute.getOrDefault(route, 0L))));
        return tallies;
    }

    /**
     * What became of one input: answered, dead-lettered (REASON), lost, silent, unacknowledged; "+ duplicated" when
     * more than one.
     */
    synchronized String outcome(String id) {
        if (!acknowledged.getOrDefault(id, false)) {
            return "unacknowledged";
        }
        int answered = answers.getOrDefault(id, 0);
        int dead = deadLetters.getOrDefault(id, 0);
        String outcome;
        if (answered > 0) {
            outcome = "answered";
        } else if (dead > 0) {
            outcome = "dead-lettered (" + deadLetterReasons.get(id) + ")";
        } else {
            outcome = inputs.get(id).silentIsLost() ? "lost" : "silent";
        }
        return answered + dead > 1 ? outcome + " + duplicated" : outcome;
    }

    /** The inputs of one route, with their outcomes. */
    synchronized Map<String, String> outcomes(String route) {
        Map<String, String> outcomes = new LinkedHashMap<>();
        inputs.values().stream()
                .filter(i -> i.route().equals(route))
                .forEach(i -> outcomes.put(i.id(), outcome(i.id())));
        return outcomes;
    }

    private Tally tally(Collection<Input> list, long refused) {
        long sent = list.size();
        long acked = 0;
        long unacked = refused;
        long answered = 0;
        long dead = 0;
        long lost = 0;
        long silent = 0;
        long duplicates = 0;
        for (Input input : list) {
            if (!acknowledged.get(input.id())) {
                unacked++;
                continue;
            }
            acked++;
            int a = answers.getOrDefault(input.id(), 0);
            int d = deadLetters.getOrDefault(input.id(), 0);
            if (a > 0) {
                answered++;
            } else if (d > 0) {
                dead++;
            } else if (input.silentIsLost()) {
                lost++;
            } else {
                silent++;
            }
            if (a + d > 1) {
                duplicates++;
            }
        }
        // ingest's refusals have no id and were never in the list: they count as sent too
        return new Tally(sent + refused, acked, unacked, answered, dead, lost, silent, duplicates);
    }

    private int outcomeCount(String id) {
        return answers.getOrDefault(id, 0) + deadLetters.getOrDefault(id, 0);
    }
}
