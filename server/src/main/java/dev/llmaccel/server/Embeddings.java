package dev.llmaccel.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmaccel.model.bert.Embedder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * {@code /v1/embeddings} on a sentence {@link Embedder}: one text or an array of texts, each
 * answered as floats or as base64 of little-endian float32 values ({@code encoding_format}).
 */
final class Embeddings {
    private final Embedder embedder;

    Embeddings(Embedder embedder) {
        this.embedder = embedder;
    }

    String modelName() {
        return embedder.modelName();
    }

    void handle(Exchange ex) throws IOException {
        ObjectNode body = ex.jsonBody();
        JsonNode model = body.get("model");
        if (model != null && !model.isNull() && !model.asText().equals(embedder.modelName())) {
            throw ApiException.notFound("model_not_found", "the embedding model \"" + model.asText()
                    + "\" does not exist; this server embeds with \"" + embedder.modelName() + "\"");
        }
        List<String> texts = texts(body.get("input"));
        boolean base64 = base64(body.get("encoding_format"));
        JsonNode dimensions = body.get("dimensions");
        if (dimensions != null && !dimensions.isNull() && !(dimensions.isIntegralNumber()
                && dimensions.intValue() == embedder.dimension())) {
            throw ApiException.invalid("dimensions", "dimensions must be " + embedder.dimension() + ", the model's");
        }
        List<float[]> vectors;
        int tokens = 0;
        synchronized (embedder) {
            vectors = embedder.embedAll(texts);
            for (String t : texts) {
                tokens += embedder.model().tokenizer().encode(t, true, false).length;
            }
        }
        ex.promptTokens = tokens;
        ObjectNode out = Exchange.JSON.createObjectNode();
        out.put("object", "list");
        ArrayNode data = out.putArray("data");
        for (int i = 0; i < vectors.size(); i++) {
            ObjectNode e = data.addObject();
            e.put("object", "embedding");
            e.put("index", i);
            if (base64) {
                ByteBuffer bytes = ByteBuffer.allocate(vectors.get(i).length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(vectors.get(i));
                e.put("embedding", Base64.getEncoder().encodeToString(bytes.array()));
            } else {
                ArrayNode values = e.putArray("embedding");
                for (float v : vectors.get(i)) {
                    values.add(v);
                }
            }
        }
        out.put("model", embedder.modelName());
        ObjectNode usage = out.putObject("usage");
        usage.put("prompt_tokens", tokens);
        usage.put("total_tokens", tokens);
        ex.json(200, out);
    }

    private static List<String> texts(JsonNode input) {
        List<String> texts = new ArrayList<>();
        if (input != null && input.isTextual()) {
            texts.add(input.asText());
            return texts;
        }
        if (input == null || !input.isArray() || input.isEmpty()) {
            throw ApiException.invalid("input", "input must be a string or a non-empty array of strings");
        }
        for (JsonNode t : input) {
            if (!t.isTextual()) {
                throw ApiException.invalid("input", "input must be a string or an array of strings (token arrays are not supported)");
            }
            texts.add(t.asText());
        }
        return texts;
    }

    private static boolean base64(JsonNode format) {
        if (format == null || format.isNull() || format.isTextual() && format.asText().equals("float")) {
            return false;
        }
        if (format.isTextual() && format.asText().equals("base64")) {
            return true;
        }
        throw ApiException.invalid("encoding_format", "encoding_format must be \"float\" or \"base64\"");
    }
}
