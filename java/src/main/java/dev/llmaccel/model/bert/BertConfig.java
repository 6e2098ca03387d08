package dev.llmaccel.model.bert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmaccel.format.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Hyper-parameters of a BERT encoder (the architecture of all-MiniLM, bge, e5, ...): absolute
 * position and token-type embeddings, post-norm layers, GELU (erf) feed-forward.
 *
 * @param vocabSize rows of the word embedding table
 * @param hidden width of the hidden states
 * @param layers number of encoder layers
 * @param heads attention heads; must divide hidden
 * @param intermediate width of the feed-forward layer
 * @param maxPositions rows of the position embedding table: the longest sequence, special tokens included
 * @param typeVocabSize rows of the token-type embedding table
 * @param layerNormEps epsilon of every layer normalisation
 */
public record BertConfig(int vocabSize, int hidden, int layers, int heads, int intermediate, int maxPositions,
        int typeVocabSize, float layerNormEps) {

    public BertConfig {
        if (vocabSize <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || intermediate <= 0 || maxPositions <= 0
                || typeVocabSize <= 0) {
            throw new IllegalArgumentException("BERT sizes must be positive: " + sizes(vocabSize, hidden, layers, heads,
                    intermediate, maxPositions, typeVocabSize));
        }
        if (hidden % heads != 0) {
            throw new IllegalArgumentException(heads + " heads do not divide the hidden size " + hidden);
        }
        if (!(layerNormEps >= 0) || Float.isInfinite(layerNormEps)) {
            throw new IllegalArgumentException("layer norm epsilon must be >= 0 and finite, got " + layerNormEps);
        }
    }

    /** Size of each attention head. */
    public int headDim() {
        return hidden / heads;
    }

    /**
     * Reads a Hugging Face {@code config.json} of a BERT model ({@code model_type} bert, or any model
     * whose config names these keys: vocab_size, hidden_size, num_hidden_layers,
     * num_attention_heads, intermediate_size, max_position_embeddings; type_vocab_size defaults to 2,
     * layer_norm_eps to 1e-12).
     */
    public static BertConfig fromHuggingFace(Path configJson) throws IOException {
        JsonNode c;
        try {
            c = new ObjectMapper().readTree(Files.readAllBytes(configJson));
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new ModelFormatException(configJson + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (c == null || !c.isObject()) {
            throw new ModelFormatException(configJson + ": not a JSON object");
        }
        String type = c.path("model_type").asText("bert");
        if (!type.equals("bert")) {
            throw new ModelFormatException(configJson + ": model_type '" + type + "' is not bert");
        }
        String act = c.path("hidden_act").asText("gelu");
        if (!act.equals("gelu")) {
            throw new ModelFormatException(configJson + ": hidden_act '" + act + "' is not supported (only gelu)");
        }
        String positions = c.path("position_embedding_type").asText("absolute");
        if (!positions.equals("absolute")) {
            throw new ModelFormatException(configJson + ": position_embedding_type '" + positions + "' is not supported");
        }
        try {
            return new BertConfig(intKey(c, "vocab_size", configJson), intKey(c, "hidden_size", configJson),
                    intKey(c, "num_hidden_layers", configJson), intKey(c, "num_attention_heads", configJson),
                    intKey(c, "intermediate_size", configJson), intKey(c, "max_position_embeddings", configJson),
                    c.has("type_vocab_size") ? intKey(c, "type_vocab_size", configJson) : 2,
                    layerNormEps(c, configJson));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(configJson + ": " + e.getMessage());
        }
    }

    /** layer_norm_eps, 1e-12 when absent (transformers' default); anything but a finite number >= 0 is refused. */
    private static float layerNormEps(JsonNode c, Path file) throws ModelFormatException {
        JsonNode v = c.get("layer_norm_eps");
        if (v == null) {
            return 1e-12f;
        }
        double eps = v.asDouble(Double.NaN);
        if (!v.isNumber() || !(eps >= 0) || Double.isInfinite(eps) || Float.isInfinite((float) eps)) {
            throw new ModelFormatException(file + ": 'layer_norm_eps' is " + v + ", not a finite number >= 0");
        }
        return (float) eps;
    }

    private static int intKey(JsonNode c, String key, Path file) throws ModelFormatException {
        JsonNode v = c.get(key);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new ModelFormatException(file + ": '" + key + "' is missing or not an integer");
        }
        return v.asInt();
    }

    private static String sizes(int... values) {
        return java.util.Arrays.toString(values);
    }
}
