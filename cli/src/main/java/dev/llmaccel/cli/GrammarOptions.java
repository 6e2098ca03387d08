package dev.llmaccel.cli;

import dev.llmaccel.generation.GenerationOptions;
import dev.llmaccel.grammar.Grammar;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Flags that constrain the generated text to a GBNF grammar or a JSON Schema (llama.cpp's names where they exist). */
public final class GrammarOptions {
    @Option(names = "--grammar", paramLabel = "GBNF", description = "constrain the output to a GBNF grammar (llama.cpp's syntax, start rule root)")
    String grammar;

    @Option(names = "--grammar-file", paramLabel = "FILE", description = "constrain the output to the GBNF grammar in FILE")
    Path grammarFile;

    @Option(names = "--json-schema", paramLabel = "SCHEMA|@FILE", description = "constrain the output to JSON valid under a JSON Schema, given inline or as @file")
    String jsonSchema;

    @Option(names = {"-j", "--json"}, description = "constrain the output to any JSON value")
    boolean json;

    /**
     * The options with the grammar the flags ask for (unchanged when none does). Read and checked
     * before any model loads, so a bad grammar fails fast.
     *
     * @throws IllegalArgumentException when more than one is given, or the grammar or schema is bad (naming the flag)
     * @throws IOException when a grammar or schema file cannot be read
     */
    GenerationOptions apply(GenerationOptions options) throws IOException {
        List<String> given = new ArrayList<>();
        if (grammar != null) {
            given.add("--grammar");
        }
        if (grammarFile != null) {
            given.add("--grammar-file");
        }
        if (jsonSchema != null) {
            given.add("--json-schema");
        }
        if (json) {
            given.add("--json");
        }
        if (given.size() > 1) {
            throw new IllegalArgumentException("use one of " + String.join(", ", given) + ", not several");
        }
        if (given.isEmpty()) {
            return options;
        }
        String flag = grammarFile != null ? "--grammar-file " + grammarFile
                : jsonSchema != null && jsonSchema.startsWith("@") ? "--json-schema " + jsonSchema : given.get(0);
        try {
            if (json) {
                return options.withGrammar(Grammar.json());
            }
            if (grammar != null) {
                return options.withGrammar(Grammar.parse(grammar));
            }
            if (grammarFile != null) {
                return options.withGrammar(Grammar.parse(read(grammarFile, "grammar")));
            }
            if (jsonSchema.startsWith("@")) {
                return options.withJsonSchema(read(Path.of(jsonSchema.substring(1)), "JSON Schema"));
            }
            return options.withJsonSchema(jsonSchema);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flag + ": " + e.getMessage(), e);
        }
    }

    private static String read(Path file, String what) throws IOException {
        LoadedModel.requireFile(file, what);
        return TextResources.readUtf8(file);
    }
}
