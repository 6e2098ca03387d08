package dev.llmaccel.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The texts bundled with the commands (demo corpus, labelled evaluation set), read from the classpath. */
final class TextResources {
    private TextResources() {}

    /** The non-blank lines of a resource beside this class. */
    static List<String> lines(String name) throws IOException {
        try (InputStream in = TextResources.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("resource " + name + " is missing from the jar");
            }
            List<String> out = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\r?\n")) {
                if (!line.isBlank()) {
                    out.add(line);
                }
            }
            return out;
        }
    }
}
