package dev.llmaccel.model.bert;

import dev.llmaccel.format.gguf.GgufWriter;
import dev.llmaccel.format.onnx.OnnxWriter;
import dev.llmaccel.format.safetensors.SafetensorsWriter;
import dev.llmaccel.tensor.DType;
import dev.llmaccel.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A small BERT with random weights for tests: its parameters under Hugging Face names (linear
 * weights (out, in)), writers for each supported format, a tokenizer.json with a tiny WordPiece
 * vocabulary, and an independent forward pass in double precision (the oracle).
 */
final class TinyBert {
    static final BertConfig CONFIG = new BertConfig(40, 16, 2, 4, 24, 24, 2, 1e-5f);
    /** Linear modules of a layer in the order the ONNX writer names their weights. */
    private static final String[] LINEARS = {"attention.self.query", "attention.self.key", "attention.self.value",
            "attention.output.dense", "intermediate.dense", "output.dense"};
    /** The vocabulary: specials, then whole words, then continuation pieces. */
    static final List<String> VOCAB = vocabulary();

    final BertConfig config;
    final Map<String, float[]> params = new LinkedHashMap<>();
    final Map<String, long[]> shapes = new LinkedHashMap<>();

    TinyBert(long seed) {
        this(CONFIG, seed);
    }

    TinyBert(BertConfig c, long seed) {
        this.config = c;
        Random r = new Random(seed);
        int h = c.hidden();
        put("embeddings.word_embeddings.weight", r, 1.0, 0, c.vocabSize(), h);
        put("embeddings.position_embeddings.weight", r, 0.5, 0, c.maxPositions(), h);
        put("embeddings.token_type_embeddings.weight", r, 0.5, 0, c.typeVocabSize(), h);
        put("embeddings.LayerNorm.weight", r, 0.1, 1, h);
        put("embeddings.LayerNorm.bias", r, 0.1, 0, h);
        for (int i = 0; i < c.layers(); i++) {
            String p = "encoder.layer." + i + ".";
            for (String m : LINEARS) {
                int out = m.equals("intermediate.dense") ? c.intermediate() : h;
                int in = m.equals("output.dense") ? c.intermediate() : h;
                put(p + m + ".weight", r, 1 / Math.sqrt(in), 0, out, in);
                put(p + m + ".bias", r, 0.1, 0, out);
            }
            for (String norm : new String[] {"attention.output.LayerNorm", "output.LayerNorm"}) {
                put(p + norm + ".weight", r, 0.1, 1, h);
                put(p + norm + ".bias", r, 0.1, 0, h);
            }
        }
    }

    private void put(String name, Random r, double scale, double mean, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (mean + scale * r.nextGaussian());
        }
        params.put(name, v);
        shapes.put(name, shape);
    }

    // ---- writers ---------------------------------------------------------------------------------

    /** dir/model.safetensors (names with prefix, e.g. "bert."), config.json and tokenizer.json. */
    Path writeSafetensors(Path dir, DType dtype, String prefix) throws IOException {
        Files.createDirectories(dir);
        SafetensorsWriter w = new SafetensorsWriter();
        params.forEach((name, v) -> w.add(prefix + name, dtype, v, shapes.get(name)));
        w.write(dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("config.json"), configJson());
        writeTokenizerJson(dir.resolve("tokenizer.json"));
        return dir;
    }

    /**
     * dir/model.onnx laid out as PyTorch exports BERT (named biases/norms/embeddings, anonymous
     * (in, out) MatMul weights found through their nodes, the score divisor and norm epsilon as
     * constants) with tokenizer.json beside it and no config.json.
     */
    Path writeOnnx(Path dir) throws IOException {
        Files.createDirectories(dir);
        OnnxWriter w = new OnnxWriter();
        int anonymous = 700;
        for (Map.Entry<String, float[]> e : params.entrySet()) {
            String name = e.getKey();
            long[] s = shapes.get(name);
            if (isLinearWeight(name)) {
                String weight = "onnx::MatMul_" + anonymous++;
                w.floatInitializer(weight, transpose(e.getValue(), (int) s[0], (int) s[1]), s[1], s[0]);
                String module = name.substring(0, name.length() - ".weight".length());
                int layerEnd = module.indexOf('.', "encoder.layer.".length());
                String node = "/encoder/layer." + module.substring("encoder.layer.".length(), layerEnd) + "/"
                        + module.substring(layerEnd + 1).replace('.', '/') + "/MatMul";
                w.node(node, "MatMul", new String[] {"x", weight}, new String[] {node + "_output_0"});
            } else {
                w.floatInitializer(name, e.getValue(), s);
            }
        }
        w.constant("/encoder/layer.0/attention/self/Constant_12", "/encoder/layer.0/attention/self/Constant_12_output_0",
                new float[] {(float) Math.sqrt(config.headDim())});
        w.node("/encoder/layer.0/attention/self/Div", "Div",
                new String[] {"scores", "/encoder/layer.0/attention/self/Constant_12_output_0"}, new String[] {"scaled"});
        w.constant("/embeddings/LayerNorm/Constant_1", "/embeddings/LayerNorm/Constant_1_output_0",
                new float[] {config.layerNormEps()});
        w.node("/embeddings/LayerNorm/Add", "Add",
                new String[] {"variance", "/embeddings/LayerNorm/Constant_1_output_0"}, new String[] {"shifted"});
        Path model = dir.resolve("model.onnx");
        w.write(model);
        writeTokenizerJson(dir.resolve("tokenizer.json"));
        return model;
    }

    /**
     * A GGUF file of architecture bert as llama.cpp's converter writes one: bert.* metadata, the
     * vocabulary with its phantom-space spelling ("the" as "\u2581the", "##s" as "s"), and the
     * tensors under GGUF names in dtype (norms, biases and embeddings stay F32 as llama.cpp keeps them).
     */
    Path writeGguf(Path path, DType dtype) throws IOException {
        BertConfig c = config;
        List<String> tokens = new ArrayList<>();
        int[] types = new int[VOCAB.size()];
        for (int i = 0; i < VOCAB.size(); i++) {
            String t = VOCAB.get(i);
            boolean special = t.startsWith("[") && t.endsWith("]");
            tokens.add(special ? t : t.startsWith("##") ? t.substring(2) : "\u2581" + t);
            types[i] = special ? 3 : 1;
        }
        try (GgufWriter w = GgufWriter.create(path)) {
            w.put("general.architecture", "bert");
            w.put("general.name", "tiny-bert");
            w.putUint32("bert.block_count", c.layers());
            w.putUint32("bert.context_length", c.maxPositions());
            w.putUint32("bert.embedding_length", c.hidden());
            w.putUint32("bert.feed_forward_length", c.intermediate());
            w.putUint32("bert.attention.head_count", c.heads());
            w.putFloat32("bert.attention.layer_norm_epsilon", c.layerNormEps());
            w.putBool("bert.attention.causal", false);
            w.putUint32("bert.pooling_type", 1);
            w.putUint32("tokenizer.ggml.token_type_count", c.typeVocabSize());
            w.put("tokenizer.ggml.model", "bert");
            w.put("tokenizer.ggml.pre", "bert-bge");
            w.putStringArray("tokenizer.ggml.tokens", tokens);
            w.putInt32Array("tokenizer.ggml.token_type", types);
            w.putUint32("tokenizer.ggml.unknown_token_id", 1);
            w.putUint32("tokenizer.ggml.seperator_token_id", 3);
            w.putUint32("tokenizer.ggml.padding_token_id", 0);
            w.putUint32("tokenizer.ggml.cls_token_id", 2);
            w.putUint32("tokenizer.ggml.mask_token_id", 4);
            for (Map.Entry<String, float[]> e : params.entrySet()) {
                long[] shape = shapes.get(e.getKey());
                DType type = shape.length == 2 && !e.getKey().startsWith("embeddings.") ? dtype : DType.F32;
                byte[] bytes;
                try (Tensor t = Tensor.of(type, e.getValue(), shape)) {
                    bytes = t.toBytes();
                }
                w.addTensor(GgufBertCheckpoint.ggufName(e.getKey()), type, shape, out -> out.write(bytes));
            }
        }
        return path;
    }

    static boolean isLinearWeight(String name) {
        if (!name.endsWith(".weight") || !name.startsWith("encoder.layer.")) {
            return false;
        }
        for (String m : LINEARS) {
            if (name.endsWith("." + m + ".weight")) {
                return true;
            }
        }
        return false;
    }

    static float[] transpose(float[] w, int rows, int cols) {
        float[] t = new float[w.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = w[r * cols + c];
            }
        }
        return t;
    }

    String configJson() {
        BertConfig c = config;
        return "{\"model_type\":\"bert\",\"hidden_act\":\"gelu\",\"vocab_size\":" + c.vocabSize()
                + ",\"hidden_size\":" + c.hidden() + ",\"num_hidden_layers\":" + c.layers()
                + ",\"num_attention_heads\":" + c.heads() + ",\"intermediate_size\":" + c.intermediate()
                + ",\"max_position_embeddings\":" + c.maxPositions() + ",\"type_vocab_size\":" + c.typeVocabSize()
                + ",\"layer_norm_eps\":" + c.layerNormEps() + "}";
    }

    /** A Hugging Face tokenizer.json: BERT normaliser and pre-tokenizer, WordPiece over VOCAB. */
    static void writeTokenizerJson(Path path) throws IOException {
        StringBuilder vocab = new StringBuilder();
        for (int i = 0; i < VOCAB.size(); i++) {
            vocab.append(i == 0 ? "" : ",").append('"').append(VOCAB.get(i)).append("\":").append(i);
        }
        StringBuilder added = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            added.append(i == 0 ? "" : ",").append("{\"id\":").append(i).append(",\"content\":\"").append(VOCAB.get(i))
                    .append("\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true}");
        }
        String json = "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[" + added + "],"
                + "\"normalizer\":{\"type\":\"BertNormalizer\",\"clean_text\":true,\"handle_chinese_chars\":true,"
                + "\"strip_accents\":null,\"lowercase\":true},"
                + "\"pre_tokenizer\":{\"type\":\"BertPreTokenizer\"},"
                + "\"post_processor\":{\"type\":\"TemplateProcessing\","
                + "\"single\":[{\"SpecialToken\":{\"id\":\"[CLS]\",\"type_id\":0}},{\"Sequence\":{\"id\":\"A\",\"type_id\":0}},"
                + "{\"SpecialToken\":{\"id\":\"[SEP]\",\"type_id\":0}}],"
                + "\"pair\":[{\"SpecialToken\":{\"id\":\"[CLS]\",\"type_id\":0}},{\"Sequence\":{\"id\":\"A\",\"type_id\":0}},"
                + "{\"SpecialToken\":{\"id\":\"[SEP]\",\"type_id\":0}},{\"Sequence\":{\"id\":\"B\",\"type_id\":1}},"
                + "{\"SpecialToken\":{\"id\":\"[SEP]\",\"type_id\":1}}],"
                + "\"special_tokens\":{\"[CLS]\":{\"id\":\"[CLS]\",\"ids\":[2],\"tokens\":[\"[CLS]\"]},"
                + "\"[SEP]\":{\"id\":\"[SEP]\",\"ids\":[3],\"tokens\":[\"[SEP]\"]}}},"
                + "\"decoder\":{\"type\":\"WordPiece\",\"prefix\":\"##\",\"cleanup\":true},"
                + "\"model\":{\"type\":\"WordPiece\",\"unk_token\":\"[UNK]\",\"continuing_subword_prefix\":\"##\","
                + "\"max_input_chars_per_word\":100,\"vocab\":{" + vocab + "}}}";
        Files.writeString(path, json, StandardCharsets.UTF_8);
    }

    private static List<String> vocabulary() {
        List<String> v = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
        v.addAll(List.of("the", "cat", "sat", "on", "mat", "a", "dog", "ran", "far", "and", "fast", "is", "it",
                ".", ",", "!", "?", "un", "##believ", "##able", "##s", "##ing", "play", "run", "big", "small",
                "red", "blue", "sun", "moon", "star", "tree", "sky", "sea", "rain"));
        if (v.size() != CONFIG.vocabSize()) {
            throw new IllegalStateException("vocabulary has " + v.size() + " entries, the config " + CONFIG.vocabSize());
        }
        return List.copyOf(v);
    }

    // ---- the oracle ------------------------------------------------------------------------------

    /** Mean over tokens of the last hidden states of one sequence, in double precision. */
    double[] meanPooled(int[] ids) {
        BertConfig c = config;
        int n = ids.length;
        int h = c.hidden();
        double[][] x = new double[n][h];
        float[] word = params.get("embeddings.word_embeddings.weight");
        float[] pos = params.get("embeddings.position_embeddings.weight");
        float[] type = params.get("embeddings.token_type_embeddings.weight");
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < h; j++) {
                x[t][j] = word[ids[t] * h + j] + pos[t * h + j] + type[j];
            }
        }
        x = norm(x, "embeddings.LayerNorm");
        for (int i = 0; i < c.layers(); i++) {
            String p = "encoder.layer." + i + ".";
            double[][] q = linear(x, p + "attention.self.query");
            double[][] k = linear(x, p + "attention.self.key");
            double[][] v = linear(x, p + "attention.self.value");
            double[][] ctx = new double[n][h];
            int d = c.headDim();
            for (int head = 0; head < c.heads(); head++) {
                for (int a = 0; a < n; a++) {
                    double[] s = new double[n];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int b = 0; b < n; b++) {
                        for (int j = 0; j < d; j++) {
                            s[b] += q[a][head * d + j] * k[b][head * d + j];
                        }
                        s[b] /= Math.sqrt(d);
                        max = Math.max(max, s[b]);
                    }
                    double sum = 0;
                    for (int b = 0; b < n; b++) {
                        s[b] = Math.exp(s[b] - max);
                        sum += s[b];
                    }
                    for (int b = 0; b < n; b++) {
                        for (int j = 0; j < d; j++) {
                            ctx[a][head * d + j] += s[b] / sum * v[b][head * d + j];
                        }
                    }
                }
            }
            x = norm(add(x, linear(ctx, p + "attention.output.dense")), p + "attention.output.LayerNorm");
            double[][] up = linear(x, p + "intermediate.dense");
            for (double[] row : up) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = 0.5 * row[j] * (1 + erf(row[j] / Math.sqrt(2)));
                }
            }
            x = norm(add(x, linear(up, p + "output.dense")), p + "output.LayerNorm");
        }
        double[] mean = new double[h];
        for (double[] row : x) {
            for (int j = 0; j < h; j++) {
                mean[j] += row[j] / n;
            }
        }
        return mean;
    }

    private double[][] linear(double[][] x, String module) {
        float[] w = params.get(module + ".weight");
        float[] b = params.get(module + ".bias");
        int out = b.length;
        int in = x[0].length;
        double[][] y = new double[x.length][out];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < out; o++) {
                double s = b[o];
                for (int i = 0; i < in; i++) {
                    s += x[t][i] * w[o * in + i];
                }
                y[t][o] = s;
            }
        }
        return y;
    }

    private double[][] norm(double[][] x, String module) {
        float[] g = params.get(module + ".weight");
        float[] b = params.get(module + ".bias");
        double[][] y = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            double mean = 0;
            for (double v : x[t]) {
                mean += v / x[t].length;
            }
            double var = 0;
            for (double v : x[t]) {
                var += (v - mean) * (v - mean) / x[t].length;
            }
            y[t] = new double[x[t].length];
            for (int j = 0; j < x[t].length; j++) {
                y[t][j] = (x[t][j] - mean) / Math.sqrt(var + config.layerNormEps()) * g[j] + b[j];
            }
        }
        return y;
    }

    private static double[][] add(double[][] a, double[][] b) {
        double[][] y = new double[a.length][a[0].length];
        for (int t = 0; t < a.length; t++) {
            for (int j = 0; j < a[t].length; j++) {
                y[t][j] = a[t][j] + b[t][j];
            }
        }
        return y;
    }

    /** erf: its Maclaurin series below 3 (cancellation stays under 1e-12), erfc's continued fraction above. */
    static double erf(double x) {
        double z = Math.abs(x);
        if (z < 3) {
            double term = x;
            double sum = x;
            for (int n = 1; n < 100; n++) {
                term *= -x * x / n;
                sum += term / (2 * n + 1);
            }
            return 2 / Math.sqrt(Math.PI) * sum;
        }
        // erfc(z) = exp(-z²)/sqrt(pi) / (z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))), evaluated from the tail
        double f = z;
        for (int k = 60; k >= 1; k--) {
            f = z + (k / 2.0) / f;
        }
        double erfc = Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
        return Math.signum(x) * (1 - erfc);
    }
}
