package dev.llmaccel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.cli.CliTest.Run;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.tokenizer.Tokenizers;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's rough edges that a new user met, one test each (issue 8, item 5). */
class CliUsabilityTest {
    @TempDir
    static Path dir;
    /** Context 64, below perplexity's default chunk of 512. */
    static Path small;

    @BeforeAll
    static void writeModel() throws IOException {
        small = CliTest.tinyModel(dir.resolve("small.gguf"), 64);
    }

    private static Run run(String... args) {
        return CliTest.run("", args);
    }

    private static Path text(String name, int words) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < words; i++) {
            b.append(i % 7 == 0 ? "the " : "cat ").append(i % 11 == 0 ? "sat. " : "");
        }
        return Files.writeString(dir.resolve(name), b.toString());
    }

    @Test
    void perplexityTakesTheModelsContextWhenItIsBelowTheDefaultChunk() throws IOException {
        Path file = text("long.txt", 300);
        Run r = run("perplexity", "-m", small.toString(), "-f", file.toString(), "--chunks", "1", "--backend", "cpu");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("chunks of the model's context, 64 tokens"), r.err());
        assertTrue(r.out().contains("of 64 tokens"), r.out());
        Run zero = run("perplexity", "-m", small.toString(), "-f", file.toString(), "-c", "0", "--chunks", "1", "--backend", "cpu");
        assertEquals(0, zero.exit(), zero.err());
        assertTrue(zero.out().contains("of 64 tokens"), zero.out());
    }

    @Test
    void generatePrintsNothingOnStdoutWhenThePromptDoesNotFitTheContext() throws IOException {
        String prompt = Files.readString(text("prompt.txt", 40));
        Run r = run("generate", "-m", small.toString(), "-p", prompt, "-c", "8", "-n", "4", "--backend", "cpu");
        assertEquals(Main.EXIT_USAGE, r.exit(), r.err());
        assertEquals("", r.out());
        assertTrue(r.err().contains("raise --ctx-size"), r.err());
    }

    @Test
    void embedChecksTheOutputBeforeEmbedding() throws IOException {
        Path input = Files.writeString(dir.resolve("lines.txt"), "one\ntwo\n");
        Run missingFolder = run("embed", "-i", input.toString(), "-o", dir.resolve("no/such/folder/x.npy").toString());
        assertEquals(Main.EXIT_USAGE, missingFolder.exit(), missingFolder.err());
        assertTrue(missingFolder.err().contains("does not exist"), missingFolder.err());
        assertFalse(missingFolder.err().contains("embedding 2 lines"), "no work before the check: " + missingFolder.err());

        Path txt = dir.resolve("out.txt");
        Run wrongExtension = run("embed", "-i", input.toString(), "-o", txt.toString());
        assertEquals(Main.EXIT_USAGE, wrongExtension.exit(), wrongExtension.err());
        assertTrue(wrongExtension.err().contains(".jsonl") && wrongExtension.err().contains(".npy"), wrongExtension.err());
        assertFalse(Files.exists(txt));
    }

    @Test
    void aUsageErrorIsOneLineAndAPointerToHelp() {
        Run r = run("generate", "-m", small.toString(), "-p", "x", "--no-such-flag");
        assertEquals(Main.EXIT_USAGE, r.exit());
        List<String> lines = r.err().lines().toList();
        assertEquals(2, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("llmaccel: Unknown option: '--no-such-flag'"), r.err());
        assertEquals("Try 'llmaccel generate --help' for more information.", lines.get(1));
        Run missing = run("generate", "-p", "x");
        assertTrue(missing.err().lines().count() <= 2, missing.err());
        assertTrue(missing.err().contains("--model"), missing.err());
    }

    @Test
    void progressIntoAFileOrPipeIsLinesNotCarriageReturns() throws IOException {
        Path input = Files.writeString(dir.resolve("many.txt"), "a line\n".repeat(300));
        Run r = run("embed", "-i", input.toString(), "-o", dir.resolve("many.jsonl").toString(), "--backend", "cpu");
        assertEquals(0, r.exit(), r.err());
        assertFalse(r.err().contains("\r"), r.err());
        assertTrue(r.err().contains("llmaccel: 300/300 lines in "), r.err());
        Run quiet = run("embed", "-q", "-i", input.toString(), "-o", dir.resolve("quiet.jsonl").toString(), "--backend", "cpu");
        assertEquals(0, quiet.exit(), quiet.err());
        assertFalse(quiet.err().contains("300/300"), quiet.err());
    }

    @Test
    void progressOnATerminalIsRedrawnInPlace() throws IOException {
        Path input = Files.writeString(dir.resolve("tty.txt"), "a line\n".repeat(10));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Main.run(new String[] {"embed", "-i", input.toString(), "-o", dir.resolve("tty.jsonl").toString(),
                "--backend", "cpu"}, new ByteArrayInputStream(new byte[0]), out, err, true);
        String e = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, e);
        assertTrue(e.contains("\r[") && e.contains("10/10"), e);
    }

    @Test
    void chatSaysWhenTheModelHasNoTemplateAndTakesOneByFileOrName() throws IOException {
        Run fallback = CliTest.run("hi\n", "chat", "-m", small.toString(), "-n", "2", "--temp", "0", "--backend", "cpu");
        assertEquals(0, fallback.exit(), fallback.err());
        assertTrue(fallback.err().contains("has no chat template (tokenizer.chat_template); using ChatML"), fallback.err());

        Run named = CliTest.run("hi\n", "chat", "-m", small.toString(), "-n", "2", "--temp", "0", "--backend", "cpu",
                "--chat-template", "chatml");
        assertEquals(0, named.exit(), named.err());
        assertFalse(named.err().contains("no chat template"), named.err());
        assertEquals(fallback.out(), named.out());

        // a template of our own: each user message is sent as "Q: ...\nA:", so the model sees other tokens
        Path template = Files.writeString(dir.resolve("qa.jinja"),
                "{% for m in messages %}{% if m.role == 'user' %}Q: {{ m.content }}\n{% endif %}{% endfor %}A:");
        Run file = CliTest.run("hi\n", "chat", "-m", small.toString(), "-n", "2", "--temp", "0", "--backend", "cpu",
                "--chat-template", template.toString());
        assertEquals(0, file.exit(), file.err());
        assertFalse(file.err().contains("no chat template"), file.err());

        Run bad = run("chat", "-m", small.toString(), "--chat-template", "no-such-template");
        assertEquals(Main.EXIT_USAGE, bad.exit(), bad.err());
        assertTrue(bad.err().contains("not a built-in template (chatml)"), bad.err());
    }

    @Test
    void logitBiasAsLlamaCppSpellsIt() throws IOException {
        // +inf on one token: greedy decoding can only pick it
        Run r = run("generate", "-m", small.toString(), "-p", "a", "-n", "5", "--temp", "0", "--backend", "cpu",
                "--logit-bias", "300+inf");
        assertEquals(Main.EXIT_USAGE, r.exit(), "token 300 is past a vocabulary of 300: " + r.err());
        assertTrue(r.err().contains("vocabulary has 300 tokens"), r.err());

        Run biased = run("generate", "-m", small.toString(), "-p", "a", "-n", "5", "--temp", "0", "--backend", "cpu",
                "-l", "299+inf");
        assertEquals(0, biased.exit(), biased.err());
        Run unbiased = run("generate", "-m", small.toString(), "-p", "a", "-n", "5", "--temp", "0", "--backend", "cpu");
        assertFalse(biased.out().equals(unbiased.out()), "the bias changed nothing: " + biased.out());
        String piece;
        try (GgufFile gguf = GgufFile.open(small)) {
            piece = Tokenizers.fromGguf(gguf).tokenText(299).replace('\u2581', ' ');  // SentencePiece's space
        }
        assertEquals("a" + piece.repeat(5) + "\n", biased.out(), "token 299, five times");

        Run malformed = run("generate", "-m", small.toString(), "-p", "a", "--logit-bias", "299*2");
        assertEquals(Main.EXIT_USAGE, malformed.exit());
        assertTrue(malformed.err().contains("expected TOKEN+BIAS or TOKEN-BIAS"), malformed.err());
    }

    @Test
    void aSystemPromptFromAFileAsWithLlamaCpp() throws IOException {
        Path system = Files.writeString(dir.resolve("system.txt"), "be brief");
        Run fromFile = CliTest.run("hello\n", "chat", "-m", small.toString(), "-n", "3", "--temp", "0", "--backend", "cpu",
                "-sysf", system.toString());
        Run inline = CliTest.run("hello\n", "chat", "-m", small.toString(), "-n", "3", "--temp", "0", "--backend", "cpu",
                "-sys", "be brief");
        assertEquals(0, fromFile.exit(), fromFile.err());
        assertEquals(inline.out(), fromFile.out());
        Run both = run("chat", "-m", small.toString(), "-sys", "x", "-sysf", system.toString());
        assertEquals(Main.EXIT_USAGE, both.exit(), both.err());
    }

    @Test
    void everySubcommandPrintsTheVersion() {
        for (String command : List.of("generate", "chat", "info", "perplexity", "demo", "embed", "evaluate")) {
            Run r = run(command, "-V");
            assertEquals(0, r.exit(), command + ": " + r.err());
            assertTrue(r.out().startsWith("llmaccel "), command + " -V printed '" + r.out() + "'");
        }
        assertEquals(run("-V").out(), run("generate", "--version").out());
    }
}
