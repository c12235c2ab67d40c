package io.alexstream.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository's files are, for tests that check them. */
final class RepositoryFiles {

    private RepositoryFiles() {}

    static Path root() {
        Path root = Path.of(System.getProperty("alexstream.root", ".."))
                .toAbsolutePath()
                .normalize();
        if (!Files.isRegularFile(root.resolve("pom.xml")) || !Files.isDirectory(root.resolve("deploy"))) {
            throw new IllegalStateException("not the repository root: " + root + " (set -Dalexstream.root)");
        }
        return root;
    }
}
