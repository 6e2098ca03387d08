package dev.llmaccel.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmaccel.SharedFiles;
import dev.llmaccel.format.gguf.GgufFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The "done when" bar: every string of ../shared/vocab/*.inp encodes (no BOS, no special-token
 * parsing) to exactly the ids of the matching .out, which llama.cpp's reference tokenizers made.
 */
class GgufConformanceTest {
    static final List<String> VOCABULARIES = List.of("llama-spm", "phi-3", "gpt-2", "bert-bge");
    private static final Map<String, Tokenizer> LOADED = new HashMap<>();

    static String file(String vocabulary) {
        return "vocab/ggml-vocab-" + vocabulary + ".gguf";
    }

    static synchronized Tokenizer tokenizer(String vocabulary) {
        return LOADED.computeIfAbsent(vocabulary, v -> {
            try (GgufFile gguf = GgufFile.open(SharedFiles.require(file(v)))) {
                return Tokenizers.fromGguf(gguf);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    static Stream<Object[]> cases() throws IOException {
        return casesOf(VOCABULARIES);
    }

    /** SentencePiece and byte-level BPE; WordPiece normalizes (case, accents, whitespace) and cannot be inverted. */
    static Stream<Object[]> losslessCases() throws IOException {
        return casesOf(List.of("llama-spm", "phi-3", "gpt-2"));
    }

    private static Stream<Object[]> casesOf(List<String> vocabularies) throws IOException {
        List<Object[]> all = new ArrayList<>();
        for (String vocabulary : vocabularies) {
            for (VocabTestCases.Case c : VocabTestCases.casesOrPlaceholder(file(vocabulary))) {
                all.add(new Object[] {vocabulary, c});
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("cases")
    void encodesLikeTheReference(String vocabulary, VocabTestCases.Case c) {
        Tokenizer tokenizer = tokenizer(vocabulary);
        int[] actual = tokenizer.encode(c.input());
        assertArrayEquals(c.expected(), actual, () -> c + "\n  expected " + Arrays.toString(c.expected())
                + "\n  actual   " + Arrays.toString(actual));
    }

    /** Decoding the reference ids, and our own with BOS, gives the string back. */
    @ParameterizedTest(name = "{1}")
    @MethodSource("losslessCases")
    void decodesBackToTheInput(String vocabulary, VocabTestCases.Case c) {
        Tokenizer tokenizer = tokenizer(vocabulary);
        assertEquals(c.input(), tokenizer.decode(c.expected()), c::toString);
        assertEquals(c.input(), tokenizer.decode(tokenizer.encode(c.input(), true, false)), c::toString);
    }

    /**
     * Streaming hands out only whole characters (never a U+FFFD from a half-received one) and its
     * pieces add up to decode's text.
     */
    @ParameterizedTest(name = "{1}")
    @MethodSource("losslessCases")
    void streamsWholeCharacters(String vocabulary, VocabTestCases.Case c) {
        Tokenizer tokenizer = tokenizer(vocabulary);
        TokenDecoder decoder = tokenizer.streamingDecoder();
        StringBuilder streamed = new StringBuilder();
        for (int id : c.expected()) {
            String piece = decoder.next(id);
            assertEquals(-1, piece.indexOf('\uFFFD'), () -> c + ": broken character after id " + id);
            streamed.append(piece);
        }
        streamed.append(decoder.flush());
        assertEquals(c.input(), streamed.toString(), c::toString);
    }

    @Test
    void aStreamFedThePromptFirstContinuesWithItsSpaces() {
        Tokenizer spm = tokenizer("llama-spm");
        int[] prompt = spm.encode("Hello", true, false);
        int[] whole = spm.encode("Hello world", true, false);
        TokenDecoder decoder = spm.streamingDecoder();
        StringBuilder echoed = new StringBuilder();
        for (int id : prompt) {
            echoed.append(decoder.next(id));
        }
        assertEquals("Hello", echoed.toString());
        StringBuilder continuation = new StringBuilder();
        for (int id : Arrays.copyOfRange(whole, prompt.length, whole.length)) {
            continuation.append(decoder.next(id));
        }
        assertEquals(" world", continuation.append(decoder.flush()).toString());
    }

    /** One tokenizer, many threads: instances are immutable, so every thread gets the reference ids. */
    @Test
    void aTokenizerIsSharedSafelyBetweenThreads() throws Exception {
        List<Object[]> all = cases().toList();
        for (Object[] c : all) {
            tokenizer((String) c[0]);  // on this thread, so that a missing ../shared skips the test
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int thread = 0; thread < 4; thread++) {
                results.add(pool.submit(() -> {
                    int matched = 0;
                    for (int round = 0; round < 5; round++) {
                        for (Object[] c : all) {
                            VocabTestCases.Case testCase = (VocabTestCases.Case) c[1];
                            matched += Arrays.equals(testCase.expected(), tokenizer((String) c[0]).encode(testCase.input())) ? 1 : 0;
                        }
                    }
                    return matched;
                }));
            }
            for (Future<Integer> result : results) {
                assertEquals(5 * all.size(), result.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** aidreams260K ships its vocabulary twice: as llama2.c's tok512.bin and inside its GGUF. */
    @Test
    void theLlama2cAndGgufFilesOfOneModelTokenizeAlike() throws IOException {
        Tokenizer fromBin = Tokenizers.fromLlama2c(SharedFiles.require("models/aidreams260K/tok512.bin"), 512);
        Tokenizer fromGguf;
        try (GgufFile gguf = GgufFile.open(SharedFiles.require("models/aidreams260K/aidreams260K.gguf"))) {
            fromGguf = Tokenizers.fromGguf(gguf);
        }
        for (String text : new String[] {"Once upon a time", "Once upon a time, pixels unfolding like petals.", "\u00E9\u00B0 \uD83D\uDE00 0.0000000"}) {
            assertArrayEquals(fromBin.encode(text, true, false), fromGguf.encode(text, true, false), text);
        }
        assertEquals(fromBin.vocabSize(), fromGguf.vocabSize());
        for (int id = 0; id < fromBin.vocabSize(); id++) {
            assertEquals(fromGguf.tokenText(id), fromBin.tokenText(id), "token " + id);
            assertEquals(fromGguf.tokenType(id), fromBin.tokenType(id), "token " + id);
        }
    }

    @Test
    void specialTokensAndFlagsFollowTheMetadata() {
        Tokenizer spm = tokenizer("llama-spm");
        assertEquals(1, spm.bosId());
        assertEquals(2, spm.eosId());
        assertEquals(0, spm.unknownId());
        assertEquals(List.of(1), boxed(spm.encode("", true, false)));
        assertEquals(TokenType.BYTE, spm.tokenType(3 + 0x0A));

        Tokenizer phi3 = tokenizer("phi-3");
        assertEquals(32000, phi3.eosId());
        int end = phi3.specialTokenId("<|end|>");
        assertEquals(32007, end);
        assertEquals(true, phi3.isEndOfGeneration(end));
        assertEquals(true, phi3.isEndOfGeneration(32000));
        assertEquals(false, phi3.isEndOfGeneration(phi3.specialTokenId("<|user|>")));
        // parseSpecial finds the chat markers; Phi-3's markers swallow the newline after them
        int[] chat = phi3.encode("<|user|>\nHi<|end|>", true, true);
        assertEquals(List.of(1, 32010), boxed(Arrays.copyOf(chat, 2)));
        assertEquals(end, chat[chat.length - 1]);
        assertArrayEquals(phi3.encode("<|user|>Hi<|end|>", true, true), chat);

        Tokenizer gpt2 = tokenizer("gpt-2");
        assertEquals(50256, gpt2.eosId());
        assertArrayEquals(gpt2.encode("Hello"), gpt2.encode("Hello", true, false));   // gpt-2 adds no BOS
        assertEquals(List.of(50256), boxed(gpt2.encode("<|endoftext|>", false, true)));

        Tokenizer bert = tokenizer("bert-bge");
        assertEquals(101, bert.bosId());
        int[] framed = bert.encode("hello world", true, false);
        assertEquals(101, framed[0]);
        assertEquals(102, framed[framed.length - 1]);
        assertEquals("hello world", bert.decode(framed));
    }

    /** The tokenizer.json test uses bert-bge's reference ids for all-MiniLM-L6-v2: the same vocabulary. */
    @Test
    void miniLmSharesBertBgesVocabulary() throws IOException {
        Tokenizer bge = tokenizer("bert-bge");
        Tokenizer miniLm = HuggingFaceTokenizerTest.miniLm();
        assertEquals(bge.vocabSize(), miniLm.vocabSize());
        for (int id = 0; id < bge.vocabSize(); id++) {
            String gguf = bge.tokenText(id);
            String json = miniLm.tokenText(id);
            // llama.cpp's converter: "##x" -> "x", "[X]" stays, "x" -> "\u2581x"
            String converted = json.startsWith("[") && json.endsWith("]") ? json : json.startsWith("##") ? json.substring(2) : "\u2581" + json;
            assertEquals(converted, gguf, "token " + id);
        }
    }

    private static List<Integer> boxed(int[] ids) {
        return Arrays.stream(ids).boxed().toList();
    }
}
