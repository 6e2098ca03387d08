package dev.llmaccel.tokenizer;

import java.text.Normalizer;

/**
 * BERT's text normalization, as Hugging Face's BertNormalizer does it and in its order: remove
 * control characters and turn whitespace into spaces, put spaces around CJK ideographs, strip
 * accents (NFD, then drop non-spacing marks), lowercase.
 */
record BertNormalizer(boolean cleanText, boolean handleChineseChars, boolean stripAccents, boolean lowercase) {

    /** The normalizer of uncased BERT models (and of every GGUF WordPiece vocabulary, as llama.cpp reads them). */
    static BertNormalizer uncased() {
        return new BertNormalizer(true, true, true, true);
    }

    String normalize(String text) {
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cleanText) {
                if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
                    continue;
                }
                if (isWhitespace(cp)) {
                    out.append(' ');
                    continue;
                }
            }
            if (handleChineseChars && isChineseChar(cp)) {
                out.append(' ').appendCodePoint(cp).append(' ');
            } else {
                out.appendCodePoint(cp);
            }
        }
        String result = out.toString();
        if (stripAccents) {
            result = withoutNonSpacingMarks(Normalizer.normalize(result, Normalizer.Form.NFD));
        }
        if (lowercase) {
            result = lowercasePerCodePoint(result);
        }
        return result;
    }

    /** Unicode White_Space (Rust's char::is_whitespace), which BERT counts as whitespace. */
    static boolean isWhitespace(int cp) {
        return (cp >= '\t' && cp <= '\r') || cp == 0x85 || Character.isSpaceChar(cp);
    }

    /** Punctuation to BERT's pre-tokenizer: ASCII punctuation (symbols included) and Unicode P*. */
    static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION:
            case Character.DASH_PUNCTUATION:
            case Character.START_PUNCTUATION:
            case Character.END_PUNCTUATION:
            case Character.INITIAL_QUOTE_PUNCTUATION:
            case Character.FINAL_QUOTE_PUNCTUATION:
            case Character.OTHER_PUNCTUATION:
                return true;
            default:
                return false;
        }
    }

    /** Categories Cc, Cf, Cs, Co, Cn, except tab, newline and carriage return (those are whitespace). */
    private static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        switch (Character.getType(cp)) {
            case Character.CONTROL:
            case Character.FORMAT:
            case Character.SURROGATE:
            case Character.PRIVATE_USE:
            case Character.UNASSIGNED:
                return true;
            default:
                return false;
        }
    }

    /** The CJK ideograph blocks of the original BERT (Hangul, kana and the like are not among them). */
    private static boolean isChineseChar(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    private static String withoutNonSpacingMarks(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.getType(cp) != Character.NON_SPACING_MARK) {
                out.appendCodePoint(cp);
            }
        }
        return out.toString();
    }

    /**
     * Lowercases character by character, without the context rules of String.toLowerCase (no final
     * sigma), as the reference does; U+0130 keeps its full mapping "i\u0307".
     */
    private static String lowercasePerCodePoint(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == 0x130) {
                out.append("i\u0307");
            } else {
                out.appendCodePoint(Character.toLowerCase(cp));
            }
        }
        return out.toString();
    }
}
