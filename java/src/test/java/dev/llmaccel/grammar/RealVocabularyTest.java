package dev.llmaccel.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.SharedFiles;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.tokenizer.Tokenizer;
import dev.llmaccel.tokenizer.Tokenizers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Masks over the real vocabularies of ../shared (SentencePiece with byte tokens, byte-level BPE):
 * a JSON document's own tokens are allowed at every step, and sampled tokens agree with fresh
 * matchers. Skips visibly without ../shared.
 */
class RealVocabularyTest {
    /** A JSON document with escapes, non-ASCII text and an emoji that byte-level BPE splits mid-character. */
    private static final String DOCUMENT = "{\"name\": \"Zoë 日本 😀\", \"n\": [1, -2.5e3, true, null], \"s\": \"a\\\"b\\u00e9\\n\"}";

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "gpt-2", "phi-3"})
    void aDocumentsOwnTokensAreAlwaysAllowed(String name) throws IOException {
        Tokenizer tokenizer;
        try (GgufFile gguf = GgufFile.open(SharedFiles.require("vocab/ggml-vocab-" + name + ".gguf"))) {
            tokenizer = Tokenizers.fromGguf(gguf);
        }
        TokenVocabulary vocabulary = TokenVocabulary.of(tokenizer);
        assertTrue(vocabulary.trieNodes() > vocabulary.size() / 2, "the trie holds the tokens");
        // SentencePiece writes the text's first space as part of its first token: allow leading space
        Grammar grammar = Grammar.parse("root ::= space value\n" + Grammar.json().gbnf().replace("root ::= value\n", ""));
        TokenConstraint c = new TokenConstraint(grammar, vocabulary);
        int[] ids = tokenizer.encode(DOCUMENT);
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        SplittableRandom random = new SplittableRandom(7);
        for (int id : ids) {
            BitSet allowed = c.allowedTokens();
            assertTrue(allowed.get(id), () -> "token " + id + " '" + tokenizer.tokenText(id) + "' rejected after " + written);
            // a sample of the verdicts against a fresh matcher
            for (int k = 0; k < 15; k++) {
                int t = random.nextInt(vocabulary.size());
                GrammarMatcher m = grammar.matcher();
                boolean expected = vocabulary.isEnd(t)
                        ? m.acceptBytes(written.toByteArray()) && m.canEnd()
                        : vocabulary.bytes(t).length > 0 && m.acceptBytes(written.toByteArray()) && m.acceptBytes(vocabulary.bytes(t));
                assertEquals(expected, allowed.get(t), () -> "token " + t + " '" + tokenizer.tokenText(t) + "' after " + written);
            }
            c.accept(id);
            written.writeBytes(tokenizer.tokenBytes(id));
        }
        assertTrue(c.canEnd());
        assertTrue(c.allows(tokenizer.eosId()));
        String text = written.toString(StandardCharsets.UTF_8);
        assertEquals(DOCUMENT, text.startsWith(" ") ? text.substring(1) : text, "token bytes spell the document");
    }
}
