package dev.llmaccel.format.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.SharedFiles;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Reading GGUF files that llama.cpp's own tools wrote (../shared; skipped when absent): the tiny
 * aidreams260K model, checked against the same weights in its llama2.c checkpoint, and the
 * vocabulary-only files of the tokenizer conformance suite.
 */
class GgufSharedFilesTest {
    private static final int DIM = 64;
    private static final int HIDDEN = 172;
    private static final int LAYERS = 4;
    private static final int VOCAB = 512;

    @Test
    void aidreamsMetadata() throws IOException {
        try (GgufFile f = GgufFile.open(SharedFiles.require("models/aidreams260K/aidreams260K.gguf"))) {
            assertEquals(3, f.version());
            assertEquals(32, f.alignment());
            assertEquals("llama", f.getString("general.architecture"));
            assertEquals("llama", f.getString("tokenizer.ggml.model"));
            assertEquals(DIM, f.getLong("llama.embedding_length"));
            assertEquals(HIDDEN, f.getLong("llama.feed_forward_length"));
            assertEquals(LAYERS, f.getLong("llama.block_count"));
            assertEquals(4, f.getLong("llama.attention.head_count"));
            assertEquals(4, f.getLong("llama.attention.head_count_kv"));
            assertEquals(128, f.getLong("llama.context_length"));
            assertEquals(1e-5, f.getDouble("llama.attention.layer_norm_rms_epsilon"), 1e-12);
            assertEquals(GgufValueType.UINT32, f.typeOf("tokenizer.ggml.bos_token_id"));
            assertEquals(1, f.getLong("tokenizer.ggml.bos_token_id"));
            assertEquals(2, f.getLong("tokenizer.ggml.eos_token_id"));

            List<String> tokens = f.getStringArray("tokenizer.ggml.tokens");
            assertEquals(VOCAB, tokens.size());
            assertEquals(List.of("<unk>", "<s>", "</s>", "<0x00>"), tokens.subList(0, 4));
            assertEquals(VOCAB, f.getFloatArray("tokenizer.ggml.scores").length);
            int[] types = f.getIntArray("tokenizer.ggml.token_type");
            assertEquals(VOCAB, types.length);
            assertEquals(2, types[0]);  // unknown
            assertEquals(3, types[1]);  // control
            assertEquals(6, types[3]);  // byte
        }
    }

    @Test
    void aidreamsTensorsMatchTheLlama2cCheckpoint() throws IOException {
        Path gguf = SharedFiles.require("models/aidreams260K/aidreams260K.gguf");
        float[] checkpoint = readCheckpoint(SharedFiles.require("models/aidreams260K/aidreams260K.bin"));
        try (GgufFile f = GgufFile.open(gguf)) {
            assertEquals(3 + LAYERS * 9, f.tensors().size());
            long end = 0;
            for (GgufTensorInfo t : f.tensors()) {
                assertEquals(DType.F32, t.dtype(), t.name());
                end = Math.max(end, t.offset() + t.bytes());
            }
            assertEquals(Files.size(gguf), end);

            // llama2.c layout: embeddings, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3, rms_final
            int at = 0;
            at = expect(f, "token_embd.weight", new long[] {VOCAB, DIM}, checkpoint, at);
            for (int l = 0; l < LAYERS; l++) {
                expect(f, "blk." + l + ".attn_norm.weight", new long[] {DIM}, checkpoint, at + l * DIM);
            }
            at += LAYERS * DIM;
            at += 4 * LAYERS * DIM * DIM;  // attention projections
            for (int l = 0; l < LAYERS; l++) {
                expect(f, "blk." + l + ".ffn_norm.weight", new long[] {DIM}, checkpoint, at + l * DIM);
            }
            at += LAYERS * DIM;
            for (String w : List.of("ffn_gate", "ffn_down", "ffn_up")) {
                long[] shape = w.equals("ffn_down") ? new long[] {DIM, HIDDEN} : new long[] {HIDDEN, DIM};
                for (int l = 0; l < LAYERS; l++) {
                    expect(f, "blk." + l + "." + w + ".weight", shape, checkpoint, at + l * DIM * HIDDEN);
                }
                at += LAYERS * DIM * HIDDEN;
            }
            expect(f, "output_norm.weight", new long[] {DIM}, checkpoint, at);
            // the checkpoint shares its classifier with the embeddings
            expect(f, "output.weight", new long[] {VOCAB, DIM}, checkpoint, 0);
        }
    }

    @ParameterizedTest
    @CsvSource({
        "ggml-vocab-llama-spm.gguf, llama, llama, 32000",
        "ggml-vocab-phi-3.gguf,     phi3,  llama, 32064",
        "ggml-vocab-gpt-2.gguf,     gpt2,  gpt2,  50257",
        "ggml-vocab-bert-bge.gguf,  bert,  bert,  30522",
    })
    void vocabularies(String file, String architecture, String tokenizer, int vocab) throws IOException {
        try (GgufFile f = GgufFile.open(SharedFiles.require("vocab/" + file))) {
            assertEquals(architecture, f.getString("general.architecture"));
            assertEquals(tokenizer, f.getString("tokenizer.ggml.model"));
            assertEquals(vocab, f.getStringArray("tokenizer.ggml.tokens").size());
            assertEquals(vocab, f.getIntArray("tokenizer.ggml.token_type").length);
            assertTrue(f.tensors().isEmpty());
            if (tokenizer.equals("gpt2")) {
                List<String> merges = f.getStringArray("tokenizer.ggml.merges");
                assertEquals(50000, merges.size());
                assertEquals("\u0120 t", merges.get(0));
            }
            if (tokenizer.equals("llama")) {
                assertEquals(vocab, f.getFloatArray("tokenizer.ggml.scores").length);
                assertEquals("<unk>", f.getStringArray("tokenizer.ggml.tokens").get(0));
            }
        }
    }

    /** Checks a tensor's shape and that its values equal the checkpoint's from index at; returns the index after it. */
    private static int expect(GgufFile f, String name, long[] shape, float[] checkpoint, int at) throws IOException {
        try (Tensor t = f.tensor(name)) {
            assertArrayEquals(shape, t.shape(), name);
            float[] v = t.toFloatArray();
            float[] want = java.util.Arrays.copyOfRange(checkpoint, at, at + v.length);
            assertArrayEquals(want, v, name);
            double sumSq = 0;
            for (float x : v) {
                assertTrue(Float.isFinite(x), name);
                sumSq += x * x;
            }
            assertTrue(sumSq > 0, name + " is all zeros");
            return at + v.length;
        }
    }

    /** The floats after the checkpoint's header of seven int32 (whose first fields are checked). */
    private static float[] readCheckpoint(Path bin) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(bin)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(DIM, b.getInt());
        assertEquals(HIDDEN, b.getInt());
        assertEquals(LAYERS, b.getInt());
        b.position(28);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }
}
