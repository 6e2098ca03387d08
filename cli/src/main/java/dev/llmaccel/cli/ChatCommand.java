package dev.llmaccel.cli;

import dev.llmaccel.generation.Chat;
import dev.llmaccel.generation.ChatTemplate;
import dev.llmaccel.generation.ChatTemplateException;
import dev.llmaccel.generation.GenerationOptions;
import dev.llmaccel.generation.GenerationResult;
import dev.llmaccel.generation.Generator;
import dev.llmaccel.model.llama.LlamaSession;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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

    @ArgGroup(exclusive = true)
    SystemPrompt system;

    /** llama.cpp's pair: the system message given, or read from a file. */
    static final class SystemPrompt {
        @Option(names = {"-sys", "--system-prompt"}, paramLabel = "TEXT", description = "system message opening the conversation")
        String text;

        @Option(names = {"-sysf", "--system-prompt-file"}, paramLabel = "FILE", description = "read the system message from FILE")
        Path file;
    }

    @Option(names = "--chat-template", paramLabel = "FILE|NAME",
            description = "Jinja chat template: a file, or a built-in name (" + CHATML + "); default: the model's own, else " + CHATML)
    String chatTemplate;

    /** The built-in template's name. */
    static final String CHATML = "chatml";

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
        String systemText = systemText();
        String chosenTemplate = chosenTemplate();
        BufferedReader in = new BufferedReader(new InputStreamReader(main.in, StandardCharsets.UTF_8));
        try (LoadedModel m = model.open(backend, err, main.progress());
             LlamaSession session = m.model.newSession(model.contextFor(m.model.config(), err))) {
            sampling.checkVocabulary(m.model.config().vocabSize());
            String source = chosenTemplate != null ? chosenTemplate
                    : m.templateSourceOrChatMl(err, "using ChatML: name another with --chat-template FILE|NAME");
            Chat chat = new Chat(new Generator(session, m.tokenizer), m.template(source));
            if (systemText != null) {
                chat.system(systemText);
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
                } catch (ChatTemplateException e) {
                    throw e;  // a template that fails renders no turn: exit 1 instead of the same error every turn
                } catch (IllegalArgumentException e) {
                    // the conversation stays as it was; the user can go on (a shorter message may fit)
                    err.println("llmaccel: " + e.getMessage());
                }
            }
        }
        return 0;
    }

    /** The system message of -sys or -sysf, or null. */
    private String systemText() throws IOException {
        if (system == null) {
            return null;
        }
        if (system.file == null) {
            return system.text;
        }
        LoadedModel.requireFile(system.file, "system prompt");
        return TextResources.readUtf8(system.file);
    }

    /** The template --chat-template names, read before the model loads; null when it is not given. */
    private String chosenTemplate() throws IOException {
        if (chatTemplate == null) {
            return null;
        }
        if (chatTemplate.equalsIgnoreCase(CHATML)) {
            return ChatTemplate.CHATML;
        }
        Path file = Path.of(chatTemplate);
        if (!Files.isRegularFile(file)) {
            throw new ParameterException(spec.commandLine(), "--chat-template " + chatTemplate
                    + ": no such file, and not a built-in template (" + CHATML + ")");
        }
        return TextResources.readUtf8(file);
    }
}
