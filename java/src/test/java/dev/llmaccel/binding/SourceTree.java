package dev.llmaccel.binding;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The repository's sources, for tests that check the native boundary at the source level. They
 * run from the java/ module folder in a checkout; from the test jar on a GPU host (no sources)
 * they skip, visibly.
 */
public final class SourceTree {
    private SourceTree() {}

    /** The repository root (the folder holding native/ and java/); skips the test when there is none. */
    public static Path root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("native/include/llmaccel/common.h"))
                    && Files.isDirectory(p.resolve("java/src/main/java"))) {
                return p;
            }
        }
        assumeTrue(false, "no source tree above " + Path.of("").toAbsolutePath() + ": source checks skipped");
        throw new AssertionError("unreachable");
    }

    /** The files under folder (relative to the root) whose names end with one of the suffixes. */
    public static List<Path> files(String folder, String... suffixes) {
        try (Stream<Path> walk = Files.walk(root().resolve(folder))) {
            return walk.filter(Files::isRegularFile)
                    .filter(f -> Stream.of(suffixes).anyMatch(s -> f.getFileName().toString().endsWith(s)))
                    .sorted()
                    .collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The text with C and C++ comments blanked out (kept: line structure, string literals). */
    public static String withoutComments(String source) {
        StringBuilder out = new StringBuilder(source.length());
        int i = 0;
        while (i < source.length()) {
            char c = source.charAt(i);
            if (c == '"') {  // a string literal, copied whole
                int j = i + 1;
                while (j < source.length() && source.charAt(j) != '"') {
                    j += source.charAt(j) == '\\' ? 2 : 1;
                }
                out.append(source, i, Math.min(j + 1, source.length()));
                i = j + 1;
            } else if (source.startsWith("//", i)) {
                while (i < source.length() && source.charAt(i) != '\n') {
                    i++;
                }
            } else if (source.startsWith("/*", i)) {
                int end = source.indexOf("*/", i + 2);
                end = end < 0 ? source.length() : end + 2;
                for (int k = i; k < end; k++) {
                    out.append(source.charAt(k) == '\n' ? '\n' : ' ');
                }
                i = end;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }
}
