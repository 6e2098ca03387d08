package dev.llmaccel.tokenizer;

/** The kind of a vocabulary entry, numbered as GGUF's {@code tokenizer.ggml.token_type} numbers it. */
public enum TokenType {
    /** Type 0: no type given; such tokens have no text when decoding. */
    UNDEFINED,
    /** Type 1: an ordinary piece of text. */
    NORMAL,
    /** Type 2: the unknown token. */
    UNKNOWN,
    /** Type 3: a control token (BOS, EOS, chat markers); never produced from plain text. */
    CONTROL,
    /** Type 4: added by the model's authors; matched in the input before tokenizing. */
    USER_DEFINED,
    /** Type 5: a reserved entry. */
    UNUSED,
    /** Type 6: one raw byte, {@code <0xNN>} (SentencePiece byte fallback). */
    BYTE;

    private static final TokenType[] BY_CODE = values();

    /** The type for a GGUF code; unknown codes are {@link #UNDEFINED}, as llama.cpp reads them. */
    public static TokenType fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : UNDEFINED;
    }

    /** Control, user-defined and unknown tokens: the ones found by their text in the input. */
    boolean isSpecial() {
        return this == CONTROL || this == USER_DEFINED || this == UNKNOWN;
    }
}
