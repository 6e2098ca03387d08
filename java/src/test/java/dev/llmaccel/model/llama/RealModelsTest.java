package dev.llmaccel.model.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.SharedFiles;
import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.cuda.CudaProbe;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.generation.GenerationOptions;
import dev.llmaccel.generation.Generator;
import dev.llmaccel.generation.TokenStream;
import dev.llmaccel.tensor.MappedFile;
import dev.llmaccel.tensor.Tensor;
import dev.llmaccel.tokenizer.Tokenizer;
import dev.llmaccel.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The real trained models of ../shared (skipped when it is absent). */
class RealModelsTest {
    private static final String PROMPT = "Once upon a time";
    /** shared/README.md: llama.cpp's greedy continuation of BOS + "Once upon a time". */
    private static final String REFERENCE = "Once upon a time, pixels unfolding like petals. Classifications unfold, a"
            + " kaleidoscope of probability revealing hidden patterns. Classification whispers secrets, as I settle"
            + " into a tapestry of 0.0000000. Classification";

    /** Greedy text after the prompt, read until it is as long as the reference's continuation. */
    private static String greedyContinuation(LlamaModel model, Tokenizer tokenizer) {
        int wanted = REFERENCE.length() - PROMPT.length();
        StringBuilder text = new StringBuilder();
        try (LlamaSession session = model.newSession(model.config().contextLength());
             TokenStream stream = new Generator(session, tokenizer).stream(PROMPT, GenerationOptions.greedy(-1))) {
            while (text.length() < wanted && stream.hasNext()) {
                text.append(stream.next());
            }
        }
        return PROMPT + text;
    }

    @Test
    void aidreamsGgufGeneratesTheReferenceText() throws IOException {
        try (Backend cpu = Backends.cpu(); GgufFile gguf = GgufFile.open(SharedFiles.require("models/aidreams260K/aidreams260K.gguf"));
             LlamaModel model = LlamaModel.fromGguf(gguf, cpu)) {
            assertEquals(REFERENCE, greedyContinuation(model, Tokenizers.fromGguf(gguf)));
        }
    }

    @Test
    void aidreamsLlama2cGeneratesTheReferenceText() throws IOException {
        Path bin = SharedFiles.require("models/aidreams260K/aidreams260K.bin");
        Path tok = SharedFiles.require("models/aidreams260K/tok512.bin");
        try (Backend cpu = Backends.cpu(); LlamaModel model = LlamaModel.fromLlama2c(bin, cpu)) {
            assertEquals(REFERENCE, greedyContinuation(model, Tokenizers.fromLlama2c(tok, model.config().vocabSize())));
        }
    }

    /**
     * llama.cpp's llama2.c converter copies Q and K as they are (Meta's interleaved layout, which
     * the "normal" rope pairing expects); only its Hugging Face converter permutes them. So the
     * GGUF's attention weights are the checkpoint's, byte for byte, and no permutation is needed.
     */
    @Test
    void aidreamsGgufHoldsTheCheckpointsWeightsUnpermuted() throws IOException {
        try (GgufFile gguf = GgufFile.open(SharedFiles.require("models/aidreams260K/aidreams260K.gguf"));
             MappedFile bin = MappedFile.open(SharedFiles.require("models/aidreams260K/aidreams260K.bin"))) {
            Map<String, Tensor> checkpoint = Llama2cCheckpoint.read(bin).tensors;
            for (String name : new String[] {"blk.0.attn_q.weight", "blk.3.attn_k.weight", "blk.2.attn_v.weight",
                    "token_embd.weight", "output_norm.weight"}) {
                assertArrayEquals(checkpoint.get(name).toBytes(), gguf.tensor(name).toBytes(), name);
            }
        }
    }

    /** GQA (8 heads, 4 kv heads): the CPU's logits follow the reference backend's, step by step. */
    @Test
    void stories260kMatchesTheReferenceBackend() throws IOException {
        Path bin = SharedFiles.require("models/stories260K/stories260K.bin");
        try (Backend cpu = Backends.cpu(); Backend reference = Backends.reference();
             LlamaModel a = LlamaModel.fromLlama2c(bin, cpu); LlamaModel b = LlamaModel.fromLlama2c(bin, reference)) {
            assertEquals(8, a.config().heads());
            assertEquals(4, a.config().kvHeads());
            ModelChecks.sameLogits(a, b, new int[] {1, 403, 407, 261, 378, 410}, 1e-4);
            ModelChecks.decodeMatchesRecompute(a, new int[] {1, 403, 407, 261, 378, 410, 300, 17, 99}, 3);
        }
    }

    /** Every native backend present gives the CPU's greedy tokens on the real model. */
    @Test
    void everyPresentBackendAgreesWithTheCpu() throws IOException {
        Path bin = SharedFiles.require("models/aidreams260K/aidreams260K.bin");
        CudaProbe.Result cuda = CudaProbe.probe();
        Assumptions.assumeTrue(cuda.usable(), () -> "skipped: no other backend than the CPU here (cuda: " + cuda.description() + ")");
        try (Backend cpu = Backends.cpu(); Backend gpu = Backends.named("cuda");
             LlamaModel a = LlamaModel.fromLlama2c(bin, cpu); LlamaModel b = LlamaModel.fromLlama2c(bin, gpu)) {
            ModelChecks.sameLogits(b, a, new int[] {1, 429, 491, 433, 295}, 1e-3);
            assertTrue(a.config().tiedOutput());
        }
    }
}
