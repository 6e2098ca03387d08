package dev.llmaccel.examples;

import dev.llmaccel.backend.Backends;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.generation.GenerationOptions;
import dev.llmaccel.generation.Generator;
import dev.llmaccel.grammar.Grammar;
import dev.llmaccel.model.llama.LlamaModel;
import dev.llmaccel.model.llama.LlamaSession;
import dev.llmaccel.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Path;

/** README "Structured output": a GBNF grammar and a JSON Schema constrain what a GGUF model writes. */
public final class StructuredOutputExample {
    private StructuredOutputExample() {}

    /** What the two constrained generations wrote. */
    record Result(String answer, String json) {}

    public static void main(String[] args) throws IOException {
        Result r = run();
        System.out.println(r.answer());
        System.out.println(r.json());
    }

    /** Run from the repository's root, where ../shared is. */
    static Result run() throws IOException {
        // README: Structured output
        Path modelFile = Path.of("../shared/models/aidreams260K/aidreams260K.gguf");
        String answer;
        String json;
        try (GgufFile gguf = GgufFile.open(modelFile);
             LlamaModel model = LlamaModel.fromGguf(gguf, Backends.best());
             LlamaSession session = model.newSession(128)) {
            Generator generator = new Generator(session, Tokenizers.fromGguf(gguf));

            Grammar yesNo = Grammar.parse("root ::= (\"yes\" | \"no\") \".\"");
            answer = generator.generate("Is water wet? ", GenerationOptions.greedy(8).withGrammar(yesNo), null).text();

            session.clear();                                         // a new, unrelated prompt
            GenerationOptions person = GenerationOptions.sampled(100, 42).withJsonSchema("""
                {"type": "object",
                 "properties": {"name": {"type": "string", "maxLength": 20}, "age": {"type": "integer", "minimum": 0}},
                 "required": ["name", "age"]}""");
            json = generator.generate("A person as JSON: ", person, null).text();   // valid under the schema
        }
        // README: end
        return new Result(answer, json);
    }
}
