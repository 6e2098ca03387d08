package dev.llmaccel.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.format.gguf.GgufWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Vocabulary-only GGUF files written here, for the metadata rules and the malformed cases. */
class GgufTokenizerLoaderTest {
    @TempDir
    Path dir;

    private Tokenizer load(Consumer<GgufWriter> metadata) throws IOException {
        Path file = Files.createTempFile(dir, "vocab", ".gguf");
        try (GgufWriter writer = GgufWriter.create(file)) {
            metadata.accept(writer);
        }
        try (GgufFile gguf = GgufFile.open(file)) {
            return Tokenizers.fromGguf(gguf);
        }
    }

    private static void llama(GgufWriter w) {
        vocabulary(w, "llama");
    }

    private static void vocabulary(GgufWriter w, String model) {
        w.put("tokenizer.ggml.model", model);
        w.putStringArray("tokenizer.ggml.tokens", List.of("<unk>", "<s>", "</s>", "\u2581", "a", "\u2581a"));
        w.putFloat32Array("tokenizer.ggml.scores", new float[] {0, 0, 0, -3, -2, -1});
        w.putInt32Array("tokenizer.ggml.token_type", new int[] {2, 3, 3, 1, 1, 1});
    }

    @Test
    void llamaDefaultsAndOverrides() throws IOException {
        Tokenizer defaults = load(GgufTokenizerLoaderTest::llama);
        assertArrayEquals(new int[] {1, 5}, defaults.encode("a", true, false));   // BOS added, space prefix on
        Tokenizer overridden = load(w -> {
            llama(w);
            w.putBool("tokenizer.ggml.add_bos_token", false);
            w.putBool("tokenizer.ggml.add_eos_token", true);
            w.putBool("tokenizer.ggml.add_space_prefix", false);
            w.putUint32("tokenizer.ggml.eos_token_id", 1);
            w.putUint32("tokenizer.ggml.padding_token_id", 4_294_967_295L);   // out of range: taken as absent
        });
        assertArrayEquals(new int[] {4, 1}, overridden.encode("a", true, false));
        assertEquals(-1, overridden.padId());
        assertEquals("a", overridden.decode(new int[] {4}));
    }

    @Test
    void gpt2NeedsMergesAndAKnownPreTokenizer() throws IOException {
        Consumer<GgufWriter> gpt2 = w -> {
            w.put("tokenizer.ggml.model", "gpt2");
            w.putStringArray("tokenizer.ggml.tokens", List.of("a", "b", "ab"));
            w.putStringArray("tokenizer.ggml.merges", List.of("a b"));
        };
        Tokenizer tokenizer = load(gpt2);   // no pre key: "default"
        assertArrayEquals(new int[] {2, 0}, tokenizer.encode("aba"));
        assertEquals(-1, tokenizer.bosId());
        ModelFormatException unknownPre = assertThrows(ModelFormatException.class, () -> load(w -> {
            gpt2.accept(w);
            w.put("tokenizer.ggml.pre", "no-such-pre");
        }));
        assertTrue(unknownPre.getMessage().contains("no-such-pre"), unknownPre.getMessage());
        assertThrows(ModelFormatException.class, () -> load(w -> {
            w.put("tokenizer.ggml.model", "gpt2");
            w.putStringArray("tokenizer.ggml.tokens", List.of("a", "b"));
        }));
    }

    @Test
    void malformedMetadataIsAClearError() {
        ModelFormatException model = assertThrows(ModelFormatException.class, () -> load(w -> vocabulary(w, "t5")));
        assertTrue(model.getMessage().contains("t5"), model.getMessage());
        assertThrows(ModelFormatException.class, () -> load(w -> w.put("tokenizer.ggml.model", "llama")));
        assertThrows(ModelFormatException.class, () -> load(w -> {
            w.put("tokenizer.ggml.model", "llama");
            w.putStringArray("tokenizer.ggml.tokens", List.of("a", "b"));
            w.putFloat32Array("tokenizer.ggml.scores", new float[] {0});
        }));
        assertThrows(ModelFormatException.class, () -> load(w -> {
            w.put("tokenizer.ggml.model", "llama");
            w.putStringArray("tokenizer.ggml.tokens", List.of("a", "a"));
        }));
        assertThrows(ModelFormatException.class, () -> load(w -> {
            llama(w);
            w.put("tokenizer.ggml.bos_token_id", "one");   // a string where an id belongs
        }));
        assertThrows(NullPointerException.class, () -> Tokenizers.fromGguf(null));
    }
}
