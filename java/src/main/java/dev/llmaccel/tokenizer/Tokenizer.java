package dev.llmaccel.tokenizer;

/**
 * Turns text into token ids and back for one vocabulary. Instances are immutable and safe to share
 * between threads; each {@link #streamingDecoder()} belongs to one stream.
 *
 * <pre>{@code
 * Tokenizer tokenizer = Tokenizers.fromGguf(gguf);
 * int[] prompt = tokenizer.encode("Once upon a time", true, false);   // BOS + text
 * TokenDecoder out = tokenizer.streamingDecoder();
 * for (int id : generated) System.out.print(out.next(id));
 * System.out.print(out.flush());
 * }</pre>
 *
 * Every method that takes a token id throws {@link IllegalArgumentException} for an id outside
 * {@code [0, vocabSize())}; null arguments throw {@link NullPointerException}.
 */
public interface Tokenizer {
    /**
     * Ids for text.
     *
     * @param addSpecial adds what the vocabulary puts around a sequence: BOS/EOS per its rules
     *     (SentencePiece and byte-level BPE), {@code [CLS] ... [SEP]} for WordPiece
     * @param parseSpecial lets the texts of special tokens in the input (for example
     *     {@code "<|im_start|>"}) become their ids; without it only user-defined tokens are matched
     *     and control tokens are tokenized as plain text
     * @throws IllegalArgumentException when text holds an unpaired surrogate (it is not Unicode text),
     *     or a word that no token covers in a vocabulary without an unknown token
     *     ({@link #unknownId()} is -1)
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /** Ids for text, without BOS/EOS and with special-token texts taken as plain text. */
    default int[] encode(String text) {
        return encode(text, false, false);
    }

    /**
     * Text of a sequence: control and unknown tokens (BOS, EOS, ...) are left out, byte tokens are
     * reassembled into UTF-8 (bytes that never form a character become U+FFFD), and the space
     * that encoding adds in front of the text (SentencePiece's space prefix, WordPiece's first word)
     * is removed again. Equal to the concatenation of a fresh {@link #streamingDecoder()}'s output.
     */
    String decode(int[] ids);

    /**
     * A stateful decoder for streaming: each call returns the text that became complete (a UTF-8
     * character split across byte tokens is held back until it is whole). Its first piece is
     * treated like the start of {@link #decode}'s text; to continue after a prompt, feed the
     * prompt's ids first and ignore what they return.
     */
    TokenDecoder streamingDecoder();

    /** Number of tokens; ids run from 0 to vocabSize() - 1. */
    int vocabSize();

    /** The raw vocabulary entry of a token (SentencePiece pieces keep their U+2581). */
    String tokenText(int id);

    /**
     * The UTF-8 bytes a token adds to decoded text in the middle of a sequence: a byte token's one
     * byte (possibly part of a character), a SentencePiece piece with its U+2581 as a space, a
     * byte-level BPE piece mapped back to its bytes; empty for tokens without text (control,
     * unknown). What grammar-constrained decoding matches tokens by.
     */
    byte[] tokenBytes(int id);

    /** What kind of entry a token is (normal, control, byte, ...). */
    TokenType tokenType(int id);

    /** Beginning-of-sequence id ({@code [CLS]} for WordPiece), -1 when none. */
    int bosId();

    /** End-of-sequence id, -1 when none. */
    int eosId();

    /** Padding id, -1 when none. */
    int padId();

    /** Unknown-token id, -1 when none. */
    int unknownId();

    /**
     * Whether generation should stop at this token: EOS and the end-of-turn tokens of chat models
     * ({@code <|eot_id|>}, {@code <|im_end|>}, {@code <end_of_turn>}, {@code <|end|>}, ...).
     */
    boolean isEndOfGeneration(int id);

    /** The id of a special token (control, user-defined or unknown) by its text, or -1. */
    int specialTokenId(String text);
}
