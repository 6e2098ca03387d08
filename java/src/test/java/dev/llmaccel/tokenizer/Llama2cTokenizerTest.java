package dev.llmaccel.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.SharedFiles;
import dev.llmaccel.format.ModelFormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cTokenizerTest {
    @TempDir
    Path dir;

    @Test
    void aidreamsVocabularyEncodesAndDecodesAStoryOpening() throws IOException {
        Tokenizer tokenizer = Tokenizers.fromLlama2c(SharedFiles.require("models/aidreams260K/tok512.bin"), 512);
        assertEquals(512, tokenizer.vocabSize());
        assertEquals(1, tokenizer.bosId());
        assertEquals(2, tokenizer.eosId());
        assertEquals(0, tokenizer.unknownId());
        assertEquals("<s>", tokenizer.tokenText(1));
        assertEquals(TokenType.BYTE, tokenizer.tokenType(3));
        assertEquals("\u2581a", tokenizer.tokenText(262));   // written " a" in the file

        int[] ids = tokenizer.encode("Once upon a time", true, false);
        assertEquals(1, ids[0]);
        assertTrue(ids.length < 1 + "Once upon a time".length(), "merges shorten the sequence: " + Arrays.toString(ids));
        assertEquals("Once upon a time", tokenizer.decode(ids));
        assertTrue(tokenizer.isEndOfGeneration(2));
        for (String text : new String[] {"Once upon a time, there was a little girl.", "caf\u00E9 \u00B0 \uD83D\uDE00", "  two  spaces\n"}) {
            assertEquals(text, tokenizer.decode(tokenizer.encode(text, true, false)), text);
        }
    }

    @Test
    void readsWhatItWasGivenAndSpellsSpacesAsMarks() throws IOException {
        Path file = writeVocabulary(4, new Object[][] {
            {0f, "<unk>"}, {0f, "\n<s>\n"}, {0f, "\n</s>\n"}, {0f, "<0x41>"}, {-1f, " b"}, {-2f, "b"}, {-3f, " "}});
        Tokenizer tokenizer = Tokenizers.fromLlama2c(file, 7);
        assertEquals("\u2581b", tokenizer.tokenText(4));
        assertArrayEquals(new int[] {1, 4, 3}, tokenizer.encode("bA", true, false));   // " b" then 'A' by its byte
        assertEquals("bA", tokenizer.decode(new int[] {1, 4, 3}));
    }

    @Test
    void badFilesAndSizesAreClearErrors() throws IOException {
        assertThrows(NoSuchFileException.class, () -> Tokenizers.fromLlama2c(dir.resolve("missing.bin"), 10));
        Path good = writeVocabulary(4, new Object[][] {{0f, "<unk>"}, {0f, "a"}, {0f, "b"}});
        assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromLlama2c(good, 0));
        assertThrows(NullPointerException.class, () -> Tokenizers.fromLlama2c(null, 3));
        ModelFormatException tooMany = assertThrows(ModelFormatException.class, () -> Tokenizers.fromLlama2c(good, 4));
        assertTrue(tooMany.getMessage().contains(good.toString()) && tooMany.getMessage().contains("token 3"), tooMany.getMessage());

        byte[] bytes = Files.readAllBytes(good);
        Path truncated = dir.resolve("truncated.bin");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 1));
        assertThrows(ModelFormatException.class, () -> Tokenizers.fromLlama2c(truncated, 3));

        Path forgedLength = dir.resolve("forged.bin");
        ByteBuffer forged = ByteBuffer.wrap(bytes.clone()).order(ByteOrder.LITTLE_ENDIAN);
        forged.putInt(4 + 4, Integer.MAX_VALUE);   // the first token's length
        Files.write(forgedLength, forged.array());
        assertThrows(ModelFormatException.class, () -> Tokenizers.fromLlama2c(forgedLength, 3));

        Path duplicate = writeVocabulary(4, new Object[][] {{0f, "<unk>"}, {0f, "a"}, {0f, "a"}});
        assertThrows(ModelFormatException.class, () -> Tokenizers.fromLlama2c(duplicate, 3));

        Path notUtf8 = writeVocabulary(4, new Object[][] {{0f, "<unk>"}, {0f, new byte[] {(byte) 0xC3}}});
        assertThrows(ModelFormatException.class, () -> Tokenizers.fromLlama2c(notUtf8, 2));
    }

    /** A tokenizer.bin: max length, then (score, length, bytes) per token; text or raw bytes. */
    private Path writeVocabulary(int maxLength, Object[][] tokens) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(maxLength).array());
        for (Object[] token : tokens) {
            byte[] text = token[1] instanceof byte[] ? (byte[]) token[1] : ((String) token[1]).getBytes(StandardCharsets.UTF_8);
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat((Float) token[0]).putInt(text.length).array());
            out.writeBytes(text);
        }
        Path file = Files.createTempFile(dir, "tokenizer", ".bin");
        Files.write(file, out.toByteArray());
        return file;
    }
}
