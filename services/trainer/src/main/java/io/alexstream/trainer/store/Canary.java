package io.alexstream.trainer.store;

/**
 * A canary in progress: {@code version} serves on the canary workers while the others keep {@code stable}, until
 * the live figures promote it to every worker or roll it back. Kept in the versions directory so a restarted
 * trainer does not mistake a canary for a finished rollout.
 */
public record Canary(long version, long stable) {

    String line() {
        return version + " " + stable;
    }

    static Canary parse(String line) {
        String[] parts = line.trim().split("\\s+");
        if (parts.length != 2) {
            throw new IllegalArgumentException("a canary is two version numbers, not '" + line.trim() + "'");
        }
        return new Canary(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
    }
}
