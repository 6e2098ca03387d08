package dev.llmaccel.tokenizer;

import dev.llmaccel.SharedFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * llama.cpp's tokenizer conformance files beside a vocabulary: {@code <vocab>.inp} holds the inputs
 * separated by {@code "\n__ggml_vocab_test__\n"}, {@code <vocab>.out} one line of space-separated
 * ids (no BOS) per input.
 */
record VocabTestCases(String vocabulary, List<Case> cases) {

    /** One input and the ids the reference tokenizer gave for it. */
    record Case(String vocabulary, int index, String input, int[] expected) {
        @Override
        public String toString() {
            return vocabulary + " #" + index + " '" + input.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + "'";
        }
    }

    private static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    /**
     * The cases of ../shared/&lt;relative&gt;, or when ../shared is absent one placeholder case (index
     * -1) whose test then skips itself through {@code SharedFiles.require}, so the skip shows.
     */
    static List<Case> casesOrPlaceholder(String relative) throws IOException {
        Path file = SharedFiles.repositoryRoot().resolve("..").resolve("shared").resolve(relative).normalize();
        if (!Files.exists(file)) {
            return List.of(new Case(relative, -1, "", new int[0]));
        }
        return read(file).cases();
    }

    static VocabTestCases read(Path vocabularyFile) throws IOException {
        String name = vocabularyFile.getFileName().toString();
        String inputs = Files.readString(Path.of(vocabularyFile + ".inp"), StandardCharsets.UTF_8);
        List<String> outputs = Files.readAllLines(Path.of(vocabularyFile + ".out"), StandardCharsets.UTF_8);
        List<String> texts = new ArrayList<>();
        for (int pos = 0; pos < inputs.length(); ) {
            int next = inputs.indexOf(SEPARATOR, pos);
            if (next < 0) {
                texts.add(inputs.substring(pos));
                break;
            }
            texts.add(inputs.substring(pos, next));
            pos = next + SEPARATOR.length();
        }
        if (texts.size() != outputs.size()) {
            throw new IllegalStateException(name + ": " + texts.size() + " inputs but " + outputs.size() + " output lines");
        }
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String line = outputs.get(i).strip();
            int[] ids = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
            cases.add(new Case(name, i, texts.get(i), ids));
        }
        return new VocabTestCases(name, cases);
    }
}
