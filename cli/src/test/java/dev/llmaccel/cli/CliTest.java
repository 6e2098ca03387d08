package dev.llmaccel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.SharedFiles;
import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.RopeParams;
import dev.llmaccel.backend.RopeStyle;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.generation.Chat;
import dev.llmaccel.generation.ChatTemplate;
import dev.llmaccel.generation.GenerationOptions;
import dev.llmaccel.generation.Generator;
import dev.llmaccel.model.llama.LlamaConfig;
import dev.llmaccel.model.llama.LlamaModel;
import dev.llmaccel.model.llama.LlamaSession;
import dev.llmaccel.model.llama.RandomLlamaModel;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tokenizer.Tokenizers;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line, run in-process on a tiny random GGUF and on ../shared's real model. */
class CliTest {
    @TempDir
    static Path dir;
    static Path tiny;

    /** What a run printed and returned. */
    record Run(int exit, String out, String err) {}

    static Run run(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Main.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), out, err);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @BeforeAll
    static void writeModel() throws IOException {
        tiny = tinyModel(dir.resolve("tiny.gguf"), 512);  // context 512: ChatML markup is spelled in byte tokens here
    }

    /** A random-weight Llama GGUF of 2 layers, 300 tokens and this context, without a chat template. */
    static Path tinyModel(Path file, int context) throws IOException {
        RandomLlamaModel.write(file, new LlamaConfig("llama", 64, 96, 2, 4, 2, 16, 300, context, 1e-5f,
                RopeParams.of(RopeStyle.NORMAL, 10000), false, false, true), DType.F32, 3);
        return file;
    }

    @Test
    void generatePrintsExactlyThePromptAndItsContinuation() throws IOException {
        String prompt = "Hello, wörld";
        Run r = run("", "generate", "-m", tiny.toString(), "-p", prompt, "-n", "12", "--temp", "0", "--backend", "cpu");
        assertEquals(0, r.exit(), r.err());
        String expected;
        try (Backend cpu = Backends.cpu(); GgufFile gguf = GgufFile.open(tiny); LlamaModel m = LlamaModel.fromGguf(gguf, cpu);
             LlamaSession s = m.newSession(64)) {
            expected = new Generator(s, Tokenizers.fromGguf(gguf)).generate(prompt, GenerationOptions.greedy(12), null).text();
        }
        assertTrue(!expected.isEmpty());
        assertEquals(prompt + expected + "\n", r.out());
        assertTrue(r.err().contains("stopped (max tokens)"), r.err());
    }

    @Test
    void generateOnTheRealModelGivesTheReferenceText() {
        Path gguf = SharedFiles.require("models/aidreams260K/aidreams260K.gguf");
        Run r = run("", "generate", "-m", gguf.toString(), "-p", "Once upon a time", "-n", "30", "--temp", "0", "-t", "1");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("Once upon a time, pixels unfolding like petals. Classifications unfold,"), r.out());
    }

    @Test
    void promptFromAFile() throws IOException {
        Path prompt = Files.writeString(dir.resolve("prompt.txt"), "abc");
        Run r = run("", "generate", "-m", tiny.toString(), "-f", prompt.toString(), "-n", "3", "--temp", "0");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("abc"), r.out());
    }

    @Test
    void errorsHaveActionableMessagesAndExitCodes() throws IOException {
        Run missing = run("", "generate", "-m", dir.resolve("absent.gguf").toString(), "-p", "x");
        assertEquals(Main.EXIT_FAILURE, missing.exit());
        assertEquals("", missing.out());
        assertTrue(missing.err().contains("model file not found: " + dir.resolve("absent.gguf")), missing.err());

        Path text = Files.writeString(dir.resolve("notes.txt"), "this is not a model file at all, just text");
        Run notModel = run("", "generate", "-m", text.toString(), "-p", "x");
        assertEquals(Main.EXIT_FAILURE, notModel.exit());
        assertTrue(notModel.err().contains("neither a GGUF file"), notModel.err());

        byte[] bytes = Files.readAllBytes(tiny);
        Path truncated = Files.write(dir.resolve("truncated.gguf"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        Run bad = run("", "generate", "-m", truncated.toString(), "-p", "x");
        assertEquals(Main.EXIT_FAILURE, bad.exit());
        assertTrue(bad.err().startsWith("llmaccel: " + truncated), bad.err());

        assertEquals(Main.EXIT_USAGE, run("", "generate", "-p", "x").exit());
        assertEquals(Main.EXIT_USAGE, run("", "generate", "-m", tiny.toString()).exit());
        assertEquals(Main.EXIT_USAGE, run("", "generate", "-m", tiny.toString(), "-p", "x", "--temp", "-1").exit());
        assertEquals(Main.EXIT_USAGE, run("", "generate", "-m", tiny.toString(), "-p", "x", "--top-p", "abc").exit());
        assertEquals(Main.EXIT_USAGE, run("", "generate", "-m", tiny.toString(), "-p", "x", "--backend", "tpu").exit());
        assertEquals(Main.EXIT_USAGE, run("", "no-such-command").exit());
        assertEquals(Main.EXIT_USAGE, run("").exit());
        assertEquals(0, run("", "--help").exit());
    }

    @Test
    void infoListsMetadataTensorsAndConfiguration() {
        Run r = run("", "info", "-m", tiny.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("general.architecture"), r.out());
        assertTrue(r.out().contains("\"llama\""), r.out());
        assertTrue(r.out().contains("blk.1.ffn_down.weight"), r.out());
        assertTrue(r.out().contains("model: llama, 2 layers, 64 embd"), r.out());
    }

    @Test
    void chatAnswersEachLineUntilExit() throws IOException {
        Run r = run("hello\n\n/clear\nagain\n/exit\nnever read\n", "chat", "-m", tiny.toString(), "-n", "4", "--temp", "0",
                "-sys", "be brief");
        assertEquals(0, r.exit(), r.err());
        // the same conversation through the API: one reply, a restart, another reply
        StringBuilder expected = new StringBuilder();
        try (Backend cpu = Backends.cpu(); GgufFile gguf = GgufFile.open(tiny); LlamaModel m = LlamaModel.fromGguf(gguf, cpu);
             LlamaSession s = m.newSession(512)) {
            Chat chat = new Chat(new Generator(s, Tokenizers.fromGguf(gguf)), new ChatTemplate(ChatTemplate.CHATML, "<s>", "</s>"));
            chat.system("be brief");
            expected.append(chat.send("hello", GenerationOptions.greedy(4), null).text()).append('\n');
            chat.clear();
            expected.append(chat.send("again", GenerationOptions.greedy(4), null).text()).append('\n');
        }
        assertEquals(expected.toString(), r.out());
        Run eof = run("hi", "chat", "-m", tiny.toString(), "-n", "2", "--temp", "0");
        assertEquals(0, eof.exit(), eof.err());
    }

    @Test
    void perplexityOfTheRealModelOnItsOwnText() throws IOException {
        Path gguf = SharedFiles.require("models/aidreams260K/aidreams260K.gguf");
        String text = "Once upon a time, pixels unfolding like petals. Classifications unfold, a kaleidoscope of probability"
                + " revealing hidden patterns. Classification whispers secrets, as I settle into a tapestry of 0.0000000.";
        Path file = Files.writeString(dir.resolve("own.txt"), text);
        Run r = run("", "perplexity", "-m", gguf.toString(), "-f", file.toString(), "-c", "64");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("PPL = "), r.out());
        double ppl = Double.parseDouble(r.out().substring(6, r.out().indexOf(' ', 6)));
        // its own greedy text: every scored token is the model's favourite, so perplexity is near 1
        assertTrue(ppl >= 1 && ppl < 2, r.out());
        Run tooShort = run("", "perplexity", "-m", gguf.toString(), "-f", file.toString(), "-c", "128");
        assertEquals(Main.EXIT_USAGE, tooShort.exit());
        assertTrue(tooShort.err().contains("one chunk needs 128"), tooShort.err());
    }

    @Test
    void negativeLogLikelihood() {
        float[] logits = {0f, (float) Math.log(3), 0f, 0f};  // probabilities 1/6, 3/6, 1/6, 1/6
        assertEquals(Math.log(2), PerplexityCommand.negativeLogLikelihood(logits, 4, 1), 1e-6);
        assertEquals(Math.log(6), PerplexityCommand.negativeLogLikelihood(logits, 4, 0), 1e-6);
    }
}
