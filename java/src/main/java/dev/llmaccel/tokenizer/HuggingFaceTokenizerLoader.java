package dev.llmaccel.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmaccel.format.ModelFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads a Hugging Face tokenizer.json with a WordPiece model, a BertNormalizer (or none), a
 * BertPreTokenizer and a TemplateProcessing or BertProcessing post-processor: the tokenizers of
 * BERT-family encoders. Truncation and padding settings are not part of a Tokenizer and are ignored.
 */
final class HuggingFaceTokenizerLoader {
    private static final String SOURCE = "tokenizer.json";

    private HuggingFaceTokenizerLoader() {}

    static Tokenizer load(InputStream json) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(SOURCE + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelFormatException(SOURCE + ": empty or not a JSON object");
        }
        JsonNode model = root.path("model");
        String modelType = model.path("type").asText("");
        if (!modelType.equals("WordPiece")) {
            throw new ModelFormatException(SOURCE + ": model type '" + modelType + "' is not supported (only WordPiece)");
        }
        String[] texts = readVocab(model.path("vocab"));
        TokenType[] types = new TokenType[texts.length];
        Arrays.fill(types, TokenType.NORMAL);
        markAddedTokens(root.path("added_tokens"), texts, types);
        JsonNode unkToken = model.path("unk_token");
        int unknown = Arrays.asList(texts).indexOf(unkToken.asText("[UNK]"));
        if (unknown < 0 && unkToken.isTextual()) {
            // A file that names its unknown token must hold it: HF's tokenizers would fail on the
            // first out-of-vocabulary word instead of at load.
            String name = unkToken.asText();
            throw new ModelFormatException(SOURCE + ": model.unk_token '" + (name.length() <= 80 ? name : name.substring(0, 80) + "...")
                    + "' (" + name.length() + " chars) is not in model.vocab");
        }
        if (unknown >= 0) {
            types[unknown] = TokenType.UNKNOWN;
        }
        Vocabulary vocabulary = new Vocabulary(SOURCE, Arrays.asList(texts), null, types);

        BertNormalizer normalizer = readNormalizer(root.path("normalizer"));
        String preTokenizer = root.path("pre_tokenizer").path("type").asText("");
        if (!preTokenizer.equals("BertPreTokenizer")) {
            throw new ModelFormatException(SOURCE + ": pre-tokenizer '" + preTokenizer + "' is not supported (only BertPreTokenizer)");
        }
        int[][] frame = readPostProcessor(root.path("post_processor"), vocabulary);
        int bos = frame[0].length > 0 ? frame[0][0] : vocabulary.id("[CLS]");
        JsonNode padId = root.path("padding").path("pad_id");
        int padding = padId.isInt() ? vocabulary.idOrNone(padId.asInt()) : vocabulary.id("[PAD]");
        SpecialTokens special = new SpecialTokens(bos, -1, unknown, padding, frame[0], frame[1],
                SpecialTokens.endOfGeneration(vocabulary, -1), new BitSet());
        String continuation = model.path("continuing_subword_prefix").asText("##");
        int maxWordChars = model.path("max_input_chars_per_word").asInt(100);
        if (continuation.isEmpty() || maxWordChars <= 0) {
            throw new ModelFormatException(SOURCE + ": continuing_subword_prefix '" + continuation
                    + "' and max_input_chars_per_word " + maxWordChars + " must be non-empty and positive");
        }
        return new WordPiece(vocabulary, special, normalizer, "", continuation, maxWordChars);
    }

    /** The model's vocab object (text to id) as an array by id; ids must be 0..n-1 without gaps. */
    private static String[] readVocab(JsonNode vocab) throws ModelFormatException {
        if (!vocab.isObject() || vocab.isEmpty()) {
            throw new ModelFormatException(SOURCE + ": model.vocab is missing or empty");
        }
        String[] texts = new String[vocab.size()];
        Iterator<Map.Entry<String, JsonNode>> entries = vocab.fields();
        while (entries.hasNext()) {
            Map.Entry<String, JsonNode> entry = entries.next();
            JsonNode id = entry.getValue();
            if (!id.isInt() || id.asInt() < 0 || id.asInt() >= texts.length || texts[id.asInt()] != null) {
                throw new ModelFormatException(SOURCE + ": token '" + entry.getKey() + "' has id " + id
                        + ", not a unique id in [0, " + texts.length + ")");
            }
            texts[id.asInt()] = entry.getKey();
        }
        return texts;
    }

    /**
     * Marks the added tokens: special ones as control, others as user-defined. A WordPiece
     * tokenizer.json lists them in its vocab too; one that is not there is an error.
     */
    private static void markAddedTokens(JsonNode added, String[] texts, TokenType[] types) throws ModelFormatException {
        for (JsonNode token : added) {
            JsonNode id = token.path("id");
            String content = token.path("content").asText("");
            if (!id.isInt() || id.asInt() < 0 || id.asInt() >= texts.length || !texts[id.asInt()].equals(content)) {
                throw new ModelFormatException(SOURCE + ": added token " + token + " is not the vocab entry of its id");
            }
            types[id.asInt()] = token.path("special").asBoolean(false) ? TokenType.CONTROL : TokenType.USER_DEFINED;
        }
    }

    private static BertNormalizer readNormalizer(JsonNode normalizer) throws ModelFormatException {
        if (normalizer.isMissingNode() || normalizer.isNull()) {
            return new BertNormalizer(false, false, false, false);
        }
        String type = normalizer.path("type").asText("");
        if (!type.equals("BertNormalizer")) {
            throw new ModelFormatException(SOURCE + ": normalizer '" + type + "' is not supported (only BertNormalizer)");
        }
        boolean lowercase = normalizer.path("lowercase").asBoolean(true);
        JsonNode stripAccents = normalizer.path("strip_accents");
        return new BertNormalizer(
                normalizer.path("clean_text").asBoolean(true),
                normalizer.path("handle_chinese_chars").asBoolean(true),
                stripAccents.isBoolean() ? stripAccents.asBoolean() : lowercase,
                lowercase);
    }

    /** The ids before and after a single sequence: {prefix, suffix}. */
    private static int[][] readPostProcessor(JsonNode processor, Vocabulary vocabulary) throws ModelFormatException {
        if (processor.isMissingNode() || processor.isNull()) {
            return new int[][] {new int[0], new int[0]};
        }
        String type = processor.path("type").asText("");
        switch (type) {
            case "BertProcessing":
                return new int[][] {
                    {specialId(processor.path("cls"), vocabulary)}, {specialId(processor.path("sep"), vocabulary)}};
            case "TemplateProcessing":
                return readTemplate(processor, vocabulary);
            default:
                throw new ModelFormatException(SOURCE + ": post-processor '" + type + "' is not supported (TemplateProcessing, BertProcessing)");
        }
    }

    /** BertProcessing names a token as ["[CLS]", 101]. */
    private static int specialId(JsonNode pair, Vocabulary vocabulary) throws ModelFormatException {
        if (!pair.isArray() || pair.size() != 2 || !pair.get(1).isInt() || vocabulary.idOrNone(pair.get(1).asInt()) < 0) {
            throw new ModelFormatException(SOURCE + ": BertProcessing token " + pair + " is not [text, id in the vocabulary]");
        }
        return pair.get(1).asInt();
    }

    private static int[][] readTemplate(JsonNode processor, Vocabulary vocabulary) throws ModelFormatException {
        List<Integer> before = new ArrayList<>();
        List<Integer> after = new ArrayList<>();
        boolean seenSequence = false;
        for (JsonNode item : processor.path("single")) {
            if (item.has("Sequence")) {
                seenSequence = true;
                continue;
            }
            String name = item.path("SpecialToken").path("id").asText(null);
            if (name == null) {
                throw new ModelFormatException(SOURCE + ": template item " + item + " is neither a Sequence nor a SpecialToken");
            }
            JsonNode ids = processor.path("special_tokens").path(name).path("ids");
            List<Integer> target = seenSequence ? after : before;
            if (ids.isArray() && ids.size() > 0) {
                for (JsonNode id : ids) {
                    if (!id.isInt() || vocabulary.idOrNone(id.asInt()) < 0) {
                        throw new ModelFormatException(SOURCE + ": special token '" + name + "' has id " + id + " outside the vocabulary");
                    }
                    target.add(id.asInt());
                }
            } else if (vocabulary.id(name) >= 0) {
                target.add(vocabulary.id(name));
            } else {
                throw new ModelFormatException(SOURCE + ": template token '" + name + "' is not in the vocabulary");
            }
        }
        return new int[][] {
            before.stream().mapToInt(Integer::intValue).toArray(), after.stream().mapToInt(Integer::intValue).toArray()};
    }
}
