package dev.llmaccel.cli;

import dev.llmaccel.generation.Chat;
import dev.llmaccel.generation.ChatTemplateException;
import dev.llmaccel.generation.GenerationOptions;
import dev.llmaccel.generation.GenerationResult;
import dev.llmaccel.generation.Generator;
import dev.llmaccel.model.llama.LlamaSession;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code llmaccel chat}: an interactive conversation with the model's chat template. Each line of
 * stdin is a user message; the reply streams to stdout. {@code /clear} starts over, {@code /exit}
 * or end of input quits.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Chat with the model: one user message per line of stdin; /clear starts over; /exit or EOF quits.")
final class ChatCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    Main main;

    @Mixin
    ModelOption model;

    @Option(names = {"-sys", "--system-prompt"}, paramLabel = "TEXT", description = "system message opening the conversation")
    String system;

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
        BufferedReader in = new BufferedReader(new InputStreamReader(main.in, StandardCharsets.UTF_8));
        try (LoadedModel m = model.open(backend, err);
             LlamaSession session = m.model.newSession(model.contextFor(m.model.config(), err))) {
            Chat chat = new Chat(new Generator(session, m.tokenizer), m.template);
            if (system != null) {
                chat.system(system);
            }
            err.println("llmaccel: chat ready; /clear starts over, /exit or end of input quits");
            while (true) {
                err.print("> ");
                err.flush();
                String line = in.readLine();
                if (line == null || line.strip().equals("/exit")) {
                    break;
                }
                if (line.strip().equals("/clear")) {
                    chat.clear();
                    continue;
                }
                if (line.isBlank()) {
                    continue;
                }
                try {
                    GenerationResult r = chat.send(line, options, piece -> {
                        out.print(piece);
                        out.flush();
                    });
                    out.println();
                    out.flush();
                    if (main.verbose) {
                        Stats.print(err, r);
                    }
                } catch (ChatTemplateException | IllegalArgumentException e) {
                    // the conversation stays as it was; the user can go on
                    err.println("llmaccel: " + e.getMessage());
                }
            }
        }
        return 0;
    }
}
