package dev.llmaccel.tokenizer;

import java.util.Arrays;
import java.util.BitSet;

/**
 * The ids a vocabulary names and how encoding frames a sequence.
 *
 * @param bos beginning of sequence ({@code [CLS]} for WordPiece), -1 when none
 * @param eos end of sequence, -1 when none
 * @param unknown the unknown token, -1 when none
 * @param padding the padding token, -1 when none
 * @param prefix ids that {@code encode(text, addSpecial = true, ...)} puts before the text
 * @param suffix ids it puts after the text
 * @param endOfGeneration tokens at which generation stops
 * @param stripsFollowingSpace special tokens that swallow the whitespace after them in the input
 */
record SpecialTokens(int bos, int eos, int unknown, int padding, int[] prefix, int[] suffix,
                     BitSet endOfGeneration, BitSet stripsFollowingSpace) {

    /** The end-of-generation set: EOS, the end-of-turn texts and any further ids (-1s are ignored). */
    static BitSet endOfGeneration(Vocabulary vocabulary, int eos, int... more) {
        BitSet set = vocabulary.endOfTurn();
        if (eos >= 0) {
            set.set(eos);
        }
        for (int id : more) {
            if (id >= 0) {
                set.set(id);
            }
        }
        return set;
    }

    /** The ids that are present, in order: how a prefix or suffix is built from optional ids. */
    static int[] present(int... ids) {
        return Arrays.stream(ids).filter(id -> id >= 0).toArray();
    }
}
