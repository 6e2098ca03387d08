package dev.llmaccel.model.bert;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.tokenizer.Tokenizer;
import dev.llmaccel.tokenizer.Tokenizers;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Hugging Face tokenizer.json: the tokenizer, and the input limit it declares
 * ({@code truncation.max_length}, special tokens included). The limit matters for parity: the
 * tokenizers library and DJL apply it, so LangChain4j's all-MiniLM-L6-v2 sees at most 128 tokens.
 *
 * @param tokenizer the WordPiece tokenizer
 * @param truncationLength the declared limit, or 0 when the file declares none
 */
record TokenizerJson(Tokenizer tokenizer, int truncationLength) {

    static TokenizerJson read(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            return read(in, path.toString());
        }
    }

    static TokenizerJson read(InputStream in, String source) throws IOException {
        byte[] json = in.readAllBytes();
        Tokenizer tokenizer = Tokenizers.fromHuggingFaceJson(new ByteArrayInputStream(json));
        JsonNode truncation;
        try {
            truncation = new ObjectMapper().readTree(json).path("truncation");
        } catch (JacksonException e) {
            throw new ModelFormatException(source + ": not valid JSON: " + e.getOriginalMessage());
        }
        int length = 0;
        if (truncation.isObject()) {
            JsonNode max = truncation.path("max_length");
            if (!max.canConvertToInt() || !max.isIntegralNumber() || max.asInt() < 1) {
                throw new ModelFormatException(source + ": truncation.max_length must be a positive integer, got " + max);
            }
            length = max.asInt();
        }
        return new TokenizerJson(tokenizer, length);
    }

    /** The input limit for a model of the given positions: the declared truncation when shorter. */
    int maxTokens(int positions) {
        return truncationLength > 0 ? Math.min(truncationLength, positions) : positions;
    }
}
