package dev.llmaccel.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What every tokenizer here shares: the vocabulary and its special tokens, the argument checks,
 * the splitting of special-token texts out of the input, the framing with BOS/EOS, and decoding
 * through {@link Utf8StreamDecoder}. A subclass supplies the algorithm for a run of plain text and
 * the bytes of one token.
 */
abstract class VocabularyTokenizer implements Tokenizer {
    final Vocabulary vocabulary;
    final SpecialTokens special;

    VocabularyTokenizer(Vocabulary vocabulary, SpecialTokens special) {
        this.vocabulary = vocabulary;
        this.special = special;
    }

    /**
     * Appends the ids of a run of plain text (no special tokens in it).
     *
     * @param atStart whether the run begins the input or follows a special token
     */
    abstract void encodeText(String text, boolean atStart, IdBuffer out);

    /** The UTF-8 bytes a token contributes after the token previousId (-1 at the start). */
    abstract byte[] pieceBytes(int previousId, int id);

    /** Whether decoded text starts with a space that encoding added and decoding must remove. */
    abstract boolean stripsLeadingSpace();

    @Override
    public final int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        Objects.requireNonNull(text, "text");
        checkNoUnpairedSurrogate(text);
        IdBuffer out = new IdBuffer(text.length() / 3 + 4);
        if (addSpecial) {
            out.addAll(special.prefix());
        }
        boolean atStart = true;
        for (Fragment fragment : splitSpecialTokens(text, parseSpecial)) {
            if (fragment.isToken()) {
                out.add(fragment.id());
                atStart = true;
            } else {
                encodeText(fragment.text(), atStart, out);
                atStart = false;
            }
        }
        if (addSpecial) {
            out.addAll(special.suffix());
        }
        return out.toArray();
    }

    @Override
    public final String decode(int[] ids) {
        Objects.requireNonNull(ids, "ids");
        for (int id : ids) {
            checkId(id);
        }
        TokenDecoder decoder = streamingDecoder();
        StringBuilder text = new StringBuilder();
        for (int id : ids) {
            text.append(decoder.next(id));
        }
        return text.append(decoder.flush()).toString();
    }

    @Override
    public final TokenDecoder streamingDecoder() {
        return new Utf8StreamDecoder(this, stripsLeadingSpace());
    }

    @Override
    public final int vocabSize() {
        return vocabulary.size();
    }

    @Override
    public final String tokenText(int id) {
        checkId(id);
        return vocabulary.text(id);
    }

    @Override
    public final byte[] tokenBytes(int id) {
        checkId(id);
        return pieceBytes(-1, id).clone();
    }

    @Override
    public final TokenType tokenType(int id) {
        checkId(id);
        return vocabulary.type(id);
    }

    @Override
    public final int bosId() {
        return special.bos();
    }

    @Override
    public final int eosId() {
        return special.eos();
    }

    @Override
    public final int padId() {
        return special.padding();
    }

    @Override
    public final int unknownId() {
        return special.unknown();
    }

    @Override
    public final boolean isEndOfGeneration(int id) {
        checkId(id);
        return special.endOfGeneration().get(id);
    }

    @Override
    public final int specialTokenId(String text) {
        Objects.requireNonNull(text, "text");
        int id = vocabulary.id(text);
        return id >= 0 && vocabulary.type(id).isSpecial() ? id : -1;
    }

    final void checkId(int id) {
        if (id < 0 || id >= vocabulary.size()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + vocabulary.size() + ")");
        }
    }

    /** The unknown id, for text that no token covers; a vocabulary without one cannot encode it. */
    final int unknownOrFail(String what) {
        if (special.unknown() < 0) {
            throw new IllegalArgumentException("cannot encode " + what + ": the vocabulary has no token for it and no unknown token");
        }
        return special.unknown();
    }

    private static void checkNoUnpairedSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException("text has an unpaired surrogate U+" + Integer.toHexString(c).toUpperCase() + " at index " + i);
            }
        }
    }

    /** A run of plain text, or a special token found in the input. */
    private record Fragment(String text, int id) {
        boolean isToken() {
            return text == null;
        }
    }

    /**
     * Cuts the texts of special tokens out of the input, longest token first (llama.cpp's order):
     * user-defined tokens always, control and unknown tokens only when parseSpecial.
     */
    private List<Fragment> splitSpecialTokens(String text, boolean parseSpecial) {
        List<Fragment> fragments = new ArrayList<>();
        if (text.isEmpty()) {
            return fragments;
        }
        fragments.add(new Fragment(text, -1));
        for (int id : vocabulary.specialIdsLongestFirst()) {
            if (!parseSpecial && vocabulary.type(id) != TokenType.USER_DEFINED) {
                continue;
            }
            String tokenText = vocabulary.text(id);
            boolean stripsFollowingSpace = special.stripsFollowingSpace().get(id);
            List<Fragment> next = new ArrayList<>(fragments.size() + 2);
            for (Fragment fragment : fragments) {
                if (fragment.isToken() || !fragment.text().contains(tokenText)) {
                    next.add(fragment);
                    continue;
                }
                String rest = fragment.text();
                int at;
                while ((at = rest.indexOf(tokenText)) >= 0) {
                    if (at > 0) {
                        next.add(new Fragment(rest.substring(0, at), -1));
                    }
                    next.add(new Fragment(null, id));
                    int after = at + tokenText.length();
                    if (stripsFollowingSpace) {
                        while (after < rest.length() && isAsciiSpace(rest.charAt(after))) {
                            after++;
                        }
                    }
                    rest = rest.substring(after);
                }
                if (!rest.isEmpty()) {
                    next.add(new Fragment(rest, -1));
                }
            }
            fragments = next;
        }
        return fragments;
    }

    /** C's isspace, which llama.cpp uses when a special token strips the space after it. */
    private static boolean isAsciiSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
