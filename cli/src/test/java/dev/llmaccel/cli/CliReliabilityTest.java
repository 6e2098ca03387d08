package dev.llmaccel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.format.gguf.GgufEdit;
import dev.llmaccel.format.gguf.GgufValueType;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every failure of the command line is one line and exit 1, never a stack trace (issue 14 items 2, 3, 6). */
class CliReliabilityTest {
    @TempDir
    static Path dir;
    static Path tiny;

    @BeforeAll
    static void writeModel() throws IOException {
        tiny = CliTest.tinyModel(dir.resolve("tiny.gguf"), 512);
    }

    /** One line on stderr that starts with "llmaccel: ", no trace. */
    static void oneLine(CliTest.Run r) {
        assertEquals(Main.EXIT_FAILURE, r.exit(), r.err());
        assertTrue(r.err().startsWith("llmaccel: "), r.err());
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception in"), r.err());
    }

    @Test
    void aHugeBlockCountIsOneLineNotAnOutOfMemoryTrace() throws IOException {
        Path bad = GgufEdit.copy(tiny, dir.resolve("blocks.gguf"), "llama.block_count", GgufValueType.UINT32, 0x7FFFFFFFL);
        CliTest.Run r = CliTest.run("", "generate", "-m", bad.toString(), "-p", "x", "-n", "1");
        oneLine(r);
        assertTrue(r.err().contains("block_count is 2147483647, but the file holds tensors of 2 blocks"), r.err());
    }

    @Test
    void contextZeroTakesAHugeModelContextOnlyUpTo4096AndSaysSo() throws IOException {
        Path huge = GgufEdit.copy(tiny, dir.resolve("context.gguf"), "llama.context_length", GgufValueType.UINT32, 15_000_000L);
        CliTest.Run r = CliTest.run("", "generate", "-m", huge.toString(), "-p", "x", "-n", "2", "-c", "0", "--temp", "0");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("context: 4096 tokens of the model's 15000000"), r.err());
    }

    @Test
    void aContextThatDoesNotFitIsRefusedWithItsSize() throws IOException {
        Path huge = GgufEdit.copy(tiny, dir.resolve("context2.gguf"), "llama.context_length", GgufValueType.UINT32,
                2_000_000_000L);
        CliTest.Run r = CliTest.run("", "generate", "-m", huge.toString(), "-p", "x", "-n", "2", "-c", "2000000000");
        oneLine(r);
        assertTrue(r.err().contains("a session of 2000000000 tokens") && r.err().contains("use a smaller context size"),
                r.err());
    }

    @Test
    void aNonUtf8PromptFileNamesTheFileAndTheByteOffset() throws IOException {
        Path prompt = dir.resolve("latin1.txt");
        java.nio.file.Files.write(prompt, new byte[] {'c', 'a', 'f', (byte) 0xe9, '!', '\n'});
        CliTest.Run r = CliTest.run("", "generate", "-m", tiny.toString(), "-f", prompt.toString(), "-n", "1");
        oneLine(r);
        assertTrue(r.err().contains(prompt + ": not UTF-8 text: byte 0xe9 at offset 3"), r.err());
    }

    @Test
    void aBrokenChatTemplateEndsTheChatWithExitOne() throws IOException {
        Path template = java.nio.file.Files.writeString(dir.resolve("broken.jinja"), "{{ raise_exception('this template is broken') }}");
        CliTest.Run r = CliTest.run("hi\nagain\nand again\n", "chat", "-m", tiny.toString(), "-n", "2", "--temp", "0",
                "--chat-template", template.toString());
        assertEquals(Main.EXIT_FAILURE, r.exit(), r.err());
        assertEquals(1, r.err().split("this template is broken", -1).length - 1, r.err());
    }

    @Test
    void threadsAboveTheCoreCountWarnAndAreCapped() {
        int cores = Runtime.getRuntime().availableProcessors();
        try {
            CliTest.Run r = CliTest.run("", "generate", "-m", tiny.toString(), "-p", "x", "-n", "1", "--temp", "0",
                    "--backend", "cpu", "-t", String.valueOf(cores + 7));
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.err().contains("warning: --threads " + (cores + 7) + " is more than the " + cores + " cores; using "
                    + cores), r.err());
            assertEquals(cores, dev.llmaccel.backend.CpuBackend.threads());
        } finally {
            dev.llmaccel.backend.CpuBackend.setThreads(0);
        }
    }

    @Test
    void aProgressBarEndsItsLineBeforeAnError() throws IOException {
        Path input = java.nio.file.Files.writeString(dir.resolve("lines.txt"), "a line\n".repeat(10));
        Path full = dir.resolve("full.jsonl");
        java.nio.file.Files.createSymbolicLink(full, Path.of("/dev/full"));  // every write fails: no space left
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int exit = Main.run(new String[] {"embed", "-i", input.toString(), "-o", full.toString(), "--backend", "cpu"},
                new java.io.ByteArrayInputStream(new byte[0]), out, err, true);
        String e = err.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(Main.EXIT_FAILURE, exit, e);
        assertTrue(e.contains("\r[") && e.matches("(?s).*/s\nllmaccel: .*"), e);
    }
}
