package dev.llmaccel.tokenizer;

import dev.llmaccel.format.ModelFormatException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/** Small vocabularies written out in the tests, so that every expected id can be derived by hand. */
final class HandBuiltVocabularies {
    private HandBuiltVocabularies() {}

    /** Ids of the SentencePiece vocabulary: 0 unk, 1 BOS, 2 EOS, 3 + b for byte b, then the pieces. */
    static final int SPM_FIRST_PIECE = 3 + 256;

    /**
     * A SentencePiece vocabulary: {@code <unk>}, {@code <s>}, {@code </s>}, the 256 byte tokens, a
     * user-defined {@code <|user|>} and a control {@code <|end|>}, then the given pieces with the
     * given scores (alternating text, score).
     */
    static SentencePieceBpe sentencePiece(boolean addSpacePrefix, Object... piecesAndScores) {
        List<String> texts = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        List<TokenType> types = new ArrayList<>(List.of(TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL));
        List<Float> scores = new ArrayList<>(List.of(0f, 0f, 0f));
        for (int b = 0; b < 256; b++) {
            texts.add(String.format("<0x%02X>", b));
            types.add(TokenType.BYTE);
            scores.add(0f);
        }
        for (int i = 0; i < piecesAndScores.length; i += 2) {
            texts.add((String) piecesAndScores[i]);
            types.add(TokenType.NORMAL);
            scores.add(((Number) piecesAndScores[i + 1]).floatValue());
        }
        texts.add("<|user|>");
        types.add(TokenType.USER_DEFINED);
        scores.add(0f);
        texts.add("<|end|>");
        types.add(TokenType.CONTROL);
        scores.add(0f);
        Vocabulary vocabulary = vocabulary(texts, scores, types);
        SpecialTokens special = new SpecialTokens(1, 2, 0, -1, new int[] {1}, new int[0],
                SpecialTokens.endOfGeneration(vocabulary, 2), new BitSet());
        return new SentencePieceBpe(vocabulary, special, addSpacePrefix);
    }

    /**
     * A byte-level BPE vocabulary: the 256 byte characters in byte order (so id b spells byte b),
     * then the results of the merges in order, then a control {@code <|endoftext|>}.
     */
    static ByteLevelBpe byteLevel(String preTokenizer, String... merges) {
        List<String> texts = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            texts.add(String.valueOf(ByteToUnicode.charOf(b)));
        }
        for (String merge : merges) {
            String joined = merge.replace(" ", "");
            if (!texts.contains(joined)) {
                texts.add(joined);
            }
        }
        texts.add("<|endoftext|>");
        List<TokenType> types = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            types.add(i == texts.size() - 1 ? TokenType.CONTROL : TokenType.NORMAL);
        }
        List<Float> scores = new ArrayList<>();
        texts.forEach(t -> scores.add(0f));
        Vocabulary vocabulary = vocabulary(texts, scores, types);
        int eos = texts.size() - 1;
        SpecialTokens special = new SpecialTokens(-1, eos, -1, -1, new int[0], new int[0],
                SpecialTokens.endOfGeneration(vocabulary, eos), new BitSet());
        return new ByteLevelBpe(vocabulary, special, PreTokenizer.forName(preTokenizer), List.of(merges));
    }

    /** BERT-style entries: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4, then the words. */
    static final List<String> WORDPIECE_ENTRIES = List.of(
            "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
            "hello", "world", ",", "!", "un", "##aff", "##able", "cafe", "play", "##ing", "##s", "\u4E2D", "'", "s", "it", ".");

    /**
     * A WordPiece tokenizer over {@link #WORDPIECE_ENTRIES}, in tokenizer.json's spelling ("##"
     * continuations) or in llama.cpp's GGUF spelling (U+2581 word starts).
     */
    static WordPiece wordPiece(boolean ggufSpelling, int maxWordChars) {
        List<String> texts = new ArrayList<>();
        List<TokenType> types = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        for (String entry : WORDPIECE_ENTRIES) {
            boolean bracketed = entry.startsWith("[");
            String text = !ggufSpelling || bracketed ? entry : entry.startsWith("##") ? entry.substring(2) : "\u2581" + entry;
            texts.add(text);
            types.add(entry.equals("[UNK]") ? TokenType.UNKNOWN : bracketed ? TokenType.CONTROL : TokenType.NORMAL);
            scores.add(0f);
        }
        Vocabulary vocabulary = vocabulary(texts, scores, types);
        SpecialTokens special = new SpecialTokens(2, -1, 1, 0, new int[] {2}, new int[] {3},
                SpecialTokens.endOfGeneration(vocabulary, -1), new BitSet());
        return ggufSpelling
                ? new WordPiece(vocabulary, special, BertNormalizer.uncased(), "\u2581", "", maxWordChars)
                : new WordPiece(vocabulary, special, BertNormalizer.uncased(), "", "##", maxWordChars);
    }

    private static Vocabulary vocabulary(List<String> texts, List<Float> scores, List<TokenType> types) {
        float[] scoreArray = new float[scores.size()];
        for (int i = 0; i < scoreArray.length; i++) {
            scoreArray[i] = scores.get(i);
        }
        try {
            return new Vocabulary("hand-built", texts, scoreArray, types.toArray(new TokenType[0]));
        } catch (ModelFormatException e) {
            throw new UncheckedIOException(e);
        }
    }
}
