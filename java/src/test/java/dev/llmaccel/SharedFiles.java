package dev.llmaccel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Assumptions;

/**
 * The project's read-only folder of real models and vocabularies, {@code ../shared} beside the
 * repository. Tests that need it call {@link #require}, which skips them (visibly) when a user's
 * clone has no such folder.
 */
public final class SharedFiles {
    private SharedFiles() {}

    /** The repository root: the nearest folder upward from the working directory that holds native/. */
    public static Path repositoryRoot() {
        Path p = Paths.get(System.getProperty("user.dir")).toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("native"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("no repository root above " + System.getProperty("user.dir"));
        }
        return p;
    }

    /** ../shared/relative, or a skipped test when it does not exist. */
    public static Path require(String relative) {
        Path path = repositoryRoot().resolve("..").resolve("shared").resolve(relative).normalize();
        Assumptions.assumeTrue(Files.exists(path), () -> "skipped: " + path + " is not present (../shared is optional)");
        return path;
    }
}
