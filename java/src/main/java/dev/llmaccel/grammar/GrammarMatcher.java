package dev.llmaccel.grammar;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Follows one text through a {@link Grammar}, piece by piece: {@link #accept} takes text (or its
 * UTF-8 bytes, which may stop in the middle of a character) only where the grammar allows it.
 * Made by {@link Grammar#matcher()}; mutable and not thread-safe, one per text.
 *
 * <pre>{@code
 * GrammarMatcher m = Grammar.json().matcher();
 * m.accept("{\"a\": ");   // true
 * m.canEnd();             // false: the object is still open
 * m.accept("}");          // false: a value must come first; the matcher is unchanged
 * }</pre>
 */
public final class GrammarMatcher {
    final GrammarAutomaton automaton;
    int state;

    GrammarMatcher(CompiledGrammar grammar) {
        this.automaton = new GrammarAutomaton(grammar);
        this.state = automaton.start();
    }

    /**
     * Takes text if the grammar allows it to come next, all of it or nothing.
     *
     * @return whether it was taken; when not, the matcher is as it was
     * @throws IllegalArgumentException when text holds an unpaired surrogate (it has no UTF-8 form)
     * @throws GrammarAmbiguityException when the grammar parses the text in too many ways at once
     */
    public boolean accept(String text) {
        return acceptBytes(utf8(text));
    }

    /**
     * Takes UTF-8 bytes (a character may be split across calls) if the grammar allows them, all or nothing.
     *
     * @throws GrammarAmbiguityException when the grammar parses the text in too many ways at once
     */
    public boolean acceptBytes(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        state = automaton.compact(state);
        int next = automaton.walk(state, bytes, 0, bytes.length);
        if (next == GrammarAutomaton.DEAD) {
            return false;
        }
        state = next;
        return true;
    }

    /** Whether what was taken so far is a whole string of the grammar. */
    public boolean canEnd() {
        return automaton.canEnd(state);
    }

    /** Whether the text must end here: it may end, and the grammar allows nothing more. */
    public boolean mustEnd() {
        return automaton.mustEnd(state);
    }

    /** The fewest bytes that make what was taken a whole string of the grammar (0 when it already is). */
    public int bytesToEnd() {
        return automaton.cost(state);
    }

    /** Back to the start of the grammar. */
    public void reset() {
        state = automaton.compact(state);
        state = automaton.start();
    }

    static byte[] utf8(String text) {
        Objects.requireNonNull(text, "text");
        try {
            ByteBuffer b = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(text));
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("text has an unpaired surrogate, so it has no UTF-8 form", e);
        }
    }
}
