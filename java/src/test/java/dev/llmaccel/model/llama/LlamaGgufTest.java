package dev.llmaccel.model.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.RopeParams;
import dev.llmaccel.backend.RopeStyle;
import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.format.gguf.GgufWriter;
import dev.llmaccel.tensor.DType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Tiny random-weight GGUFs of each supported architecture, written with GgufWriter. */
class LlamaGgufTest {
    private static final int VOCAB = 272;
    private static final int[] TOKENS = {1, 200, 5, 33, 271, 40, 40, 9, 0, 61, 12};

    @TempDir
    static Path dir;
    static Backend cpu;
    static Backend reference;

    @BeforeAll
    static void backends() {
        cpu = Backends.cpu();
        reference = Backends.reference();
    }

    @AfterAll
    static void close() {
        cpu.close();
        reference.close();
    }

    private static RopeParams rope(String arch, double theta) {
        return RopeParams.of(arch.equals("llama") ? RopeStyle.NORMAL : RopeStyle.NEOX, theta);
    }

    /** name, configuration */
    static Stream<Arguments> variants() {
        float[] llama3Factors = LlamaGguf.llama3Factors(500000, 16, 8, 1, 4, 64);
        return Stream.of(
                Arguments.of("llama, tied output", new LlamaConfig("llama", 64, 96, 2, 4, 4, 16, VOCAB, 32, 1e-5f,
                        rope("llama", 10000), false, false, true)),
                Arguments.of("llama, GQA, separate output, Llama-3 rope factors", new LlamaConfig("llama", 64, 96, 2, 4, 2, 16,
                        VOCAB, 32, 1e-5f, new RopeParams(RopeStyle.NORMAL, 500000, 0, llama3Factors), false, false, false)),
                Arguments.of("qwen2, Q/K/V biases, tied", new LlamaConfig("qwen2", 64, 96, 2, 4, 2, 16, VOCAB, 32, 1e-6f,
                        rope("qwen2", 1000000), true, false, true)),
                Arguments.of("qwen3, Q/K norms, head dim apart from dim/heads", new LlamaConfig("qwen3", 64, 96, 2, 4, 2, 32,
                        VOCAB, 32, 1e-6f, rope("qwen3", 1000000), false, true, false)),
                Arguments.of("llama, partial rotary dims", new LlamaConfig("llama", 64, 96, 2, 4, 4, 16, VOCAB, 32, 1e-5f,
                        new RopeParams(RopeStyle.NORMAL, 10000, 8, null), false, false, true)));
    }

    private static Path write(String name, LlamaConfig config, DType type) throws IOException {
        Path file = dir.resolve(name.replaceAll("[^a-z0-9]", "_") + "-" + type + ".gguf");
        RandomLlamaModel.write(file, config, type, 42);
        return file;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void configurationRoundTripsAndDecodingIsConsistent(String name, LlamaConfig config) throws IOException {
        try (GgufFile gguf = GgufFile.open(write(name, config, DType.F32));
             LlamaModel model = LlamaModel.fromGguf(gguf, cpu)) {
            assertEquals(config, model.config());
            ModelChecks.decodeMatchesRecompute(model, TOKENS, 4);
            ModelChecks.batchSizeDoesNotMatter(model, TOKENS);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void cpuMatchesReference(String name, LlamaConfig config) throws IOException {
        try (GgufFile gguf = GgufFile.open(write(name, config, DType.F32));
             LlamaModel a = LlamaModel.fromGguf(gguf, cpu); LlamaModel b = LlamaModel.fromGguf(gguf, reference)) {
            ModelChecks.sameLogits(a, b, TOKENS, 1e-4);
        }
    }

    /** Quantized weights: the CPU rounds activations to 8 bits for the integer dot products, hence looser bounds. */
    @ParameterizedTest
    @MethodSource("quantized")
    void quantizedCpuMatchesReference(DType type, double bound) throws IOException {
        LlamaConfig config = new LlamaConfig("llama", 64, 96, 2, 4, 2, 16, VOCAB, 32, 1e-5f, rope("llama", 10000),
                false, false, false);
        try (GgufFile gguf = GgufFile.open(write("quantized", config, type));
             LlamaModel a = LlamaModel.fromGguf(gguf, cpu); LlamaModel b = LlamaModel.fromGguf(gguf, reference);
             LlamaSession sa = a.newSession(16); LlamaSession sb = b.newSession(16)) {
            assertEquals(type, gguf.tensorInfo("blk.0.attn_q.weight").dtype());
            ModelChecks.assertClose(sb.forward(TOKENS).toFloatArray(), sa.forward(TOKENS).toFloatArray(), bound, type.toString());
        }
    }

    static Stream<Arguments> quantized() {
        return Stream.of(Arguments.of(DType.F16, 1e-3), Arguments.of(DType.Q8_0, 2e-2), Arguments.of(DType.Q4_0, 5e-2));
    }

    @Test
    void ropeStyleFollowsTheArchitecture() throws IOException {
        for (String arch : new String[] {"llama", "qwen2", "qwen3"}) {
            LlamaConfig c = new LlamaConfig(arch, 64, 96, 1, 4, 4, 16, VOCAB, 16, 1e-5f, rope(arch, 10000), false, false, true);
            try (GgufFile gguf = GgufFile.open(write("style-" + arch, c, DType.F32))) {
                RopeStyle style = LlamaGguf.config(gguf).rope().style();
                assertEquals(arch.equals("llama") ? RopeStyle.NORMAL : RopeStyle.NEOX, style, arch);
            }
        }
    }

    @Test
    void llama3RopeFactorsFromMetadata() throws IOException {
        // Llama 3.1's published scaling: factor 8, low 1, high 4, original context 8192, theta 500000, head 128
        float[] f = LlamaGguf.llama3Factors(500000, 128, 8, 1, 4, 8192);
        assertEquals(64, f.length);
        assertEquals(1f, f[0]);            // short wavelengths keep their frequency
        assertEquals(8f, f[63]);           // long ones are slowed by the factor
        for (int i = 1; i < f.length; i++) {
            assertTrue(f[i] >= f[i - 1], "factors grow with the wavelength");
        }
        Path file = dir.resolve("llama3-meta.gguf");
        try (GgufWriter w = GgufWriter.create(file)) {
            minimalLlama(w, 64, 4);
            w.put("llama.rope.scaling.type", "llama3").putFloat32("llama.rope.scaling.factor", 8f)
                    .putUint32("llama.rope.scaling.original_context_length", 8192).putFloat32("llama.rope.freq_base", 500000f);
        }
        try (GgufFile gguf = GgufFile.open(file)) {
            assertArrayEquals(LlamaGguf.llama3Factors(500000, 16, 8, 1, 4, 8192), LlamaGguf.config(gguf).rope().freqFactors());
        }
        Path linear = dir.resolve("linear.gguf");
        try (GgufWriter w = GgufWriter.create(linear)) {
            minimalLlama(w, 64, 4);
            w.put("llama.rope.scaling.type", "linear").putFloat32("llama.rope.scaling.factor", 2f);
        }
        try (GgufFile gguf = GgufFile.open(linear)) {
            float[] factors = LlamaGguf.config(gguf).rope().freqFactors();
            assertEquals(8, factors.length);
            for (float x : factors) {
                assertEquals(2f, x);
            }
        }
        Path yarn = dir.resolve("yarn.gguf");
        try (GgufWriter w = GgufWriter.create(yarn)) {
            minimalLlama(w, 64, 4);
            w.put("llama.rope.scaling.type", "yarn").putFloat32("llama.rope.scaling.factor", 4f);
        }
        try (GgufFile gguf = GgufFile.open(yarn)) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> LlamaGguf.config(gguf));
            assertTrue(e.getMessage().contains("yarn"), e.getMessage());
        }
        Path none = dir.resolve("none.gguf");
        try (GgufWriter w = GgufWriter.create(none)) {
            minimalLlama(w, 64, 4);
        }
        try (GgufFile gguf = GgufFile.open(none)) {
            assertNull(LlamaGguf.config(gguf).rope().freqFactors());
        }
    }

    /** Metadata of a 64-wide, 4-head llama and only its embedding tensor. */
    private static void minimalLlama(GgufWriter w, int dim, int heads) {
        w.put("general.architecture", "llama").putUint32("llama.embedding_length", dim).putUint32("llama.block_count", 1)
                .putUint32("llama.feed_forward_length", 96).putUint32("llama.attention.head_count", heads)
                .putUint32("llama.context_length", 16).putFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        w.addTensor("token_embd.weight", DType.F32, new long[] {8, dim}, out -> out.write(new byte[8 * dim * 4]));
    }

    @Test
    void unsupportedOrBrokenModelsAreFormatErrors() throws IOException {
        Path gpt2 = dir.resolve("gpt2.gguf");
        try (GgufWriter w = GgufWriter.create(gpt2)) {
            w.put("general.architecture", "gpt2");
        }
        Path missingKey = dir.resolve("nokey.gguf");
        try (GgufWriter w = GgufWriter.create(missingKey)) {
            w.put("general.architecture", "llama").putUint32("llama.embedding_length", 64);
        }
        Path missingTensor = dir.resolve("notensor.gguf");
        try (GgufWriter w = GgufWriter.create(missingTensor)) {
            minimalLlama(w, 64, 4);  // has metadata and the embedding, no blocks
        }
        Path misshapen = dir.resolve("misshapen.gguf");
        try (GgufWriter w = GgufWriter.create(misshapen)) {
            minimalLlama(w, 64, 3);  // 3 heads do not divide 64
        }
        String[][] cases = {{gpt2.toString(), "architecture 'gpt2'"}, {missingKey.toString(), "llama.attention.head_count"},
                {missingTensor.toString(), "llama.block_count is 1, but the file holds tensors of 0 blocks"}, {misshapen.toString(), "inconsistent"}};
        for (String[] c : cases) {
            try (GgufFile gguf = GgufFile.open(Path.of(c[0]))) {
                ModelFormatException e = assertThrows(ModelFormatException.class, () -> LlamaModel.fromGguf(gguf, cpu), c[0]);
                assertTrue(e.getMessage().contains(c[1]), e.getMessage());
            }
        }
        assertThrows(NullPointerException.class, () -> LlamaModel.fromGguf(null, cpu));
    }
}
