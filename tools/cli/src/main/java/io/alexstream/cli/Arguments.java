package io.alexstream.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@code --name value}, {@code --flag} and positional arguments; a repeated option keeps every value. */
record Arguments(Map<String, String> options, Map<String, List<String>> repeated, List<String> positional) {

    static Arguments parse(String[] args) {
        Map<String, String> options = new HashMap<>();
        Map<String, List<String>> repeated = new HashMap<>();
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.startsWith("--")) {
                String name = arg.substring(2);
                int eq = name.indexOf('=');
                String key = eq >= 0 ? name.substring(0, eq) : name;
                String value;
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                    value = args[++i];
                } else {
                    value = "true";
                }
                options.put(key, value);
                repeated.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
            } else {
                positional.add(arg);
            }
        }
        return new Arguments(options, repeated, positional);
    }

    List<String> all(String name) {
        return repeated.getOrDefault(name, List.of());
    }

    String get(String name, String fallback) {
        return options.getOrDefault(name, fallback);
    }

    int getInt(String name, int fallback) {
        return options.containsKey(name) ? Integer.parseInt(options.get(name)) : fallback;
    }

    double getDouble(String name, double fallback) {
        return options.containsKey(name) ? Double.parseDouble(options.get(name)) : fallback;
    }

    boolean flag(String name) {
        return Boolean.parseBoolean(options.getOrDefault(name, "false"));
    }
}
