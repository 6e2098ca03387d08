package dev.llmaccel.format.gguf;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.format.ModelFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Strings a corrupt file makes long are quoted short in messages (issue 14 item 6). */
class GgufMessagesTest {
    @TempDir
    Path dir;

    @Test
    void aHugeKeyIsQuotedByItsFirst80CharactersAndItsLength() throws IOException {
        String key = "k".repeat(472_000);
        Path file = dir.resolve("long-key.gguf");
        try (GgufWriter w = GgufWriter.create(file)) {
            w.put(key, "value");
        }
        byte[] bytes = Files.readAllBytes(file);
        int at = new String(bytes, StandardCharsets.ISO_8859_1).indexOf(key) + key.length();
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(at, 99);  // the value type: unknown
        Files.write(file, bytes);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> GgufFile.open(file).close());
        assertTrue(e.getMessage().contains("key '" + "k".repeat(80) + "...' (472000 characters) has unknown value type 99"),
                e.getMessage().substring(0, Math.min(300, e.getMessage().length())));
        assertTrue(e.getMessage().length() < 400, "message of " + e.getMessage().length() + " characters");
    }
}
