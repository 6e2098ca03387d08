package dev.llmaccel.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.SharedFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * README.md's Java snippets are the examples' code, word for word: each ```java block is the region
 * between "// README: title" and "// README: end" of one example (lines compared without their
 * indentation), and every import the block shows is one its example compiles with. A snippet
 * edited in one place and not the other fails here.
 */
class ReadmeSnippetsTest {
    private static final String BEGIN = "// README: ";
    private static final String END = "// README: end";

    /** An example's README region and its imports. */
    private record Region(Path file, String title, List<String> lines, List<String> imports) {}

    @Test
    void everyJavaSnippetInTheReadmeIsAnExampleAndEveryExampleIsInTheReadme() throws IOException {
        Path root = SharedFiles.repositoryRoot();
        List<List<String>> snippets = javaBlocks(Files.readAllLines(root.resolve("README.md")));
        List<Region> regions = new ArrayList<>(regions(root.resolve("examples/src/main/java/dev/llmaccel/examples")));
        // The Spark snippet compiles in the spark module, which has Spark on its class path.
        regions.addAll(regions(root.resolve("spark/src/test/java/dev/llmaccel/spark/examples")));
        assertFalse(snippets.isEmpty(), "README.md has no ```java blocks");
        List<Region> shown = new ArrayList<>();
        for (List<String> snippet : snippets) {
            List<String> imports = snippet.stream().filter(l -> l.startsWith("import ")).toList();
            List<String> code = snippet.stream().filter(l -> !l.startsWith("import ")).toList();
            Region match = regions.stream().filter(r -> r.lines().equals(code)).findFirst().orElse(null);
            assertTrue(match != null, "README snippet is no example's code (examples/src/main/java/dev/llmaccel/examples"
                    + " or spark/src/test/java/dev/llmaccel/spark/examples, between '// README: <title>' and '// README: end'):\n" + String.join("\n", code));
            for (String i : imports) {
                assertTrue(match.imports().contains(i), match.file().getFileName() + " does not " + i);
            }
            assertEquals(match.imports(), imports, "the README shows every import of " + match.file().getFileName());
            shown.add(match);
        }
        for (Region r : regions) {
            assertTrue(shown.contains(r), r.file().getFileName() + " '" + r.title() + "' is not in README.md");
        }
    }

    /** The lines of each ```java block, stripped, blank ones left out. */
    static List<List<String>> javaBlocks(List<String> readme) {
        List<List<String>> blocks = new ArrayList<>();
        List<String> current = null;
        for (String line : readme) {
            if (current == null && line.strip().equals("```java")) {
                current = new ArrayList<>();
            } else if (current != null && line.strip().equals("```")) {
                blocks.add(current);
                current = null;
            } else if (current != null && !line.isBlank()) {
                current.add(line.strip());
            }
        }
        return blocks;
    }

    private static List<Region> regions(Path folder) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
        List<Region> regions = new ArrayList<>();
        for (Path file : files) {
            List<String> lines = Files.readAllLines(file);
            List<String> imports = lines.stream().map(String::strip).filter(l -> l.startsWith("import ")).toList();
            Map<String, List<String>> found = new LinkedHashMap<>();
            String title = null;
            for (String line : lines) {
                String s = line.strip();
                if (s.equals(END)) {
                    title = null;
                } else if (s.startsWith(BEGIN)) {
                    title = s.substring(BEGIN.length());
                    found.put(title, new ArrayList<>());
                } else if (title != null && !s.isEmpty()) {
                    found.get(title).add(s);
                }
            }
            found.forEach((t, code) -> regions.add(new Region(file, t, code, imports)));
        }
        return regions;
    }
}
