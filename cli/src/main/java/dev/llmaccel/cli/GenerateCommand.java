package dev.llmaccel.cli;

import dev.llmaccel.generation.GenerationOptions;
import dev.llmaccel.generation.GenerationResult;
import dev.llmaccel.generation.Generator;
import dev.llmaccel.model.llama.LlamaSession;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code llmaccel generate}: prints the prompt and its continuation, streaming, and nothing else on stdout. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt. Stdout gets the prompt and its continuation (then a newline); stderr the rest.")
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    Main main;

    @Mixin
    ModelOption model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Prompt prompt;

    static final class Prompt {
        @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "the prompt")
        String text;

        @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "read the prompt from FILE")
        Path file;
    }

    @Mixin
    BackendOptions backend;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    GrammarOptions grammar;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        GenerationOptions options = grammar.apply(sampling.toOptions());
        String text = prompt.text;
        if (text == null) {
            LoadedModel.requireFile(prompt.file, "prompt");
            text = TextResources.readUtf8(prompt.file);
        }
        try (LoadedModel m = model.open(backend, err, Main.progress(main));
             LlamaSession session = m.model.newSession(model.contextFor(m.model.config(), err))) {
            sampling.checkVocabulary(m.model.config().vocabSize());
            Generator generator = new Generator(session, m.tokenizer);
            int[] tokens = generator.encode(text);
            if (tokens.length >= session.capacity()) {
                // before anything reaches stdout: a failed run prints nothing there
                throw new ParameterException(spec.commandLine(), "the prompt is " + tokens.length + " tokens and the context "
                        + session.capacity() + ": raise --ctx-size above " + tokens.length + " (the model's context is "
                        + m.model.config().contextLength() + ")");
            }
            out.print(text);
            out.flush();
            GenerationResult r = generator.generate(tokens, options, piece -> {
                out.print(piece);
                out.flush();
            });
            out.println();
            out.flush();
            Stats.print(err, r);
        }
        return 0;
    }
}
