package io.alexstream.deploy;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The configuration keys a service knows, read from its sources: the keys of its
 * application.properties (every profile) and the properties its {@code @ConfigMapping}
 * interfaces define, and their environment-variable form. The compose file and the
 * Kubernetes manifests are both checked against this, so a misspelled variable, which the
 * service would silently ignore, fails a test.
 */
final class ServiceConfigKeys {

    private static final Pattern PROFILE_PREFIX = Pattern.compile("^%[^.]+\\.");
    private static final Pattern MAPPING_PREFIX =
            Pattern.compile("@ConfigMapping\\s*\\(\\s*prefix\\s*=\\s*\"([^\"]+)\"");
    /** An abstract interface method: annotations, a return type, a name, no parameters, no body. */
    private static final Pattern MAPPING_METHOD =
            Pattern.compile("(?m)^\\s*((?:@\\w+(?:\\((?:[^()]|\\([^()]*\\))*\\))?\\s+)*)"
                    + "([\\w.<>\\[\\], ?]+?)\\s+(\\w+)\\s*\\(\\s*\\)\\s*;");
    /** A config group nested in a mapping: its name and its body of methods. */
    private static final Pattern GROUP = Pattern.compile("\\binterface\\s+(\\w+)\\s*\\{([^{}]*)\\}");

    private static final Pattern WITH_NAME = Pattern.compile("@WithName\\s*\\(\\s*\"([^\"]+)\"");

    private ServiceConfigKeys() {}

    /** The environment-variable form of every key {@code services/<module>} knows. */
    static Set<String> environmentNames(String module) {
        return keys(module).stream()
                .map(ServiceConfigKeys::environmentName)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /**
     * Every key {@code services/<module>} knows: application.properties (profile prefixes dropped) and its config
     * mappings.
     */
    static Set<String> keys(String module) {
        Path moduleDir = RepositoryFiles.root().resolve("services").resolve(module);
        Set<String> keys = new TreeSet<>();
        try {
            applicationProperties(module)
                    .stringPropertyNames()
                    .forEach(key -> keys.add(PROFILE_PREFIX.matcher(key).replaceFirst("")));
            try (Stream<Path> sources = Files.walk(moduleDir.resolve("src/main/java"))) {
                for (Path source : sources.filter(file -> file.toString().endsWith(".java"))
                        .toList()) {
                    keys.addAll(keysOfConfigMapping(
                            withoutComments(Files.readString(source, StandardCharsets.UTF_8)), source));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the configuration of services/" + module, e);
        }
        return keys;
    }

    static Properties applicationProperties(String module) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(RepositoryFiles.root()
                .resolve("services")
                .resolve(module)
                .resolve("src/main/resources/application.properties"))) {
            properties.load(reader);
        }
        return properties;
    }

    /**
     * prefix + each abstract method's name in kebab case (or its @WithName), as SmallRye Config names them; a method
     * that returns a group (an interface nested in the mapping) adds the group's keys under its own name.
     */
    static List<String> keysOfConfigMapping(String source, Path file) {
        Matcher prefix = MAPPING_PREFIX.matcher(source);
        if (!prefix.find()) {
            return List.of();
        }
        if (source.contains("@WithParentName")) {
            throw new IllegalStateException(
                    file + ": config groups are not understood here; extend keysOfConfigMapping");
        }
        String body = source.substring(prefix.end());
        // groups nest one level here: their bodies hold methods only, so no brace inside them
        Matcher mapping = Pattern.compile("\\binterface\\s+(\\w+)").matcher(body);
        String mappingName = mapping.find() ? mapping.group(1) : "";
        Map<String, String> groups = new HashMap<>();
        StringBuilder topLevel = new StringBuilder();
        Matcher group = GROUP.matcher(body);
        while (group.find()) {
            if (!group.group(1).equals(mappingName)) {
                groups.put(group.group(1), group.group(2));
                group.appendReplacement(topLevel, "");
            }
        }
        group.appendTail(topLevel);
        if (Pattern.compile("\\binterface\\s+\\w+").matcher(topLevel).results().count() > 1) {
            throw new IllegalStateException(
                    file + ": config groups are not understood here; extend keysOfConfigMapping");
        }
        List<String> keys = new ArrayList<>();
        addKeys(prefix.group(1), topLevel.toString(), groups, keys);
        if (keys.isEmpty()) {
            throw new IllegalStateException(
                    file + ": @ConfigMapping without any property found; has the source's shape changed?");
        }
        return keys;
    }

    private static void addKeys(String prefix, String body, Map<String, String> groups, List<String> keys) {
        Matcher method = MAPPING_METHOD.matcher(body);
        while (method.find()) {
            Matcher withName = WITH_NAME.matcher(method.group(1));
            String property = withName.find() ? withName.group(1) : kebabCase(method.group(3));
            String type = method.group(2).trim();
            if (groups.containsKey(type)) {
                addKeys(prefix + "." + property, groups.get(type), Map.of(), keys);
            } else {
                keys.add(prefix + "." + property);
            }
        }
    }

    static String kebabCase(String camelCase) {
        return camelCase
                .replaceAll("([a-z0-9])([A-Z])", "$1-$2")
                .replaceAll("([A-Z])([A-Z][a-z])", "$1-$2")
                .toLowerCase(Locale.ROOT);
    }

    /** MicroProfile's env form: upper case, every character other than a letter or digit becomes '_'. */
    static String environmentName(String key) {
        return key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    private static String withoutComments(String javaSource) {
        return javaSource.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("(?m)//.*$", "");
    }
}
