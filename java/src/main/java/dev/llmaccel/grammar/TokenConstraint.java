package dev.llmaccel.grammar;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Objects;

/**
 * What a grammar lets one sequence generate next, token by token: the per-sequence object a
 * decoder consults at each step. {@link #allows} checks one token (cheap: a walk over its bytes),
 * {@link #mask} rules out every token the grammar rejects (a walk over the vocabulary's trie),
 * {@link #accept} moves on. End-of-generation tokens are allowed exactly where the grammar can
 * end; tokens without text never are.
 *
 * <pre>{@code
 * TokenConstraint c = new TokenConstraint(Grammar.json(), TokenVocabulary.of(tokenizer), 256);
 * int t = sampler.sample(logits);
 * if (!c.allows(t)) {          // sample first; mask and sample again only when rejected
 *     c.mask(logits);          // -inf for every token the grammar rejects here
 *     t = sampler.sample(logits);
 * }
 * c.accept(t);
 * }</pre>
 *
 * <p>With a token limit, the constraint also steers towards an end in time: a token is allowed
 * only if what follows it can still be finished in the tokens left, counting one byte per token
 * (which a vocabulary with byte tokens can always do). When no token meets that, the grammar
 * alone decides (the output may then be cut off by the limit).
 *
 * <p>Mutable and not thread-safe: one per sequence (a batching engine holds one per sequence).
 * The grammar and vocabulary are shared; the automaton's cache (a few MB at most) is the
 * constraint's own.
 */
public final class TokenConstraint {
    private final TokenVocabulary vocabulary;
    private final int maxTokens;
    private final GrammarAutomaton automaton;
    private final long[] grammarBits;
    private final long[] budgetBits;
    private final int[] stateAt;
    private int state;
    private int accepted;
    private boolean ended;

    /** A constraint without a token limit. */
    public TokenConstraint(Grammar grammar, TokenVocabulary vocabulary) {
        this(grammar, vocabulary, -1);
    }

    /**
     * @param maxTokens how many tokens the sequence may have at most (end token excluded), so that
     *     the grammar is steered to finish within them; -1 for no limit
     */
    public TokenConstraint(Grammar grammar, TokenVocabulary vocabulary, int maxTokens) {
        Objects.requireNonNull(grammar, "grammar");
        this.vocabulary = Objects.requireNonNull(vocabulary, "vocabulary");
        if (maxTokens < -1) {
            throw new IllegalArgumentException("max tokens must be >= 0, or -1 for no limit; got " + maxTokens);
        }
        this.maxTokens = maxTokens;
        this.automaton = new GrammarAutomaton(grammar.compiled());
        this.state = automaton.start();
        int words = (vocabulary.size() + 63) >>> 6;
        this.grammarBits = new long[words];
        this.budgetBits = new long[words];
        this.stateAt = new int[vocabulary.maxDepth + 1];
    }

    public TokenVocabulary vocabulary() {
        return vocabulary;
    }

    /**
     * Whether token may come next: the grammar accepts its bytes here (an end token: the grammar
     * can end here) and, with a token limit, what follows can still finish in time. Ids at or
     * beyond the vocabulary's size (rows a model pads its output with) are never allowed.
     *
     * @throws IllegalArgumentException when token is negative
     */
    public boolean allows(int token) {
        if (token < 0) {
            throw new IllegalArgumentException("negative token id " + token);
        }
        if (ended || token >= vocabulary.size()) {
            return false;
        }
        state = automaton.compact(state);
        if (vocabulary.isEnd(token)) {
            return automaton.canEnd(state);
        }
        byte[] b = vocabulary.bytesOf(token);
        if (b.length == 0) {
            return false;
        }
        int next = automaton.walk(state, b, 0, b.length);
        return next != GrammarAutomaton.DEAD && automaton.cost(next) <= budget();
    }

    /**
     * Sets logits[t] to negative infinity for every token t the constraint does not allow (ids
     * from the vocabulary's size on included). Applied on the logits before sampling, it works
     * with every sampler.
     *
     * @param logits (n) with n >= the vocabulary's size
     * @throws IllegalStateException when no token at all can continue the grammar here (the
     *     vocabulary cannot spell what the grammar requires)
     */
    public void mask(float[] logits) {
        Objects.requireNonNull(logits, "logits");
        if (logits.length < vocabulary.size()) {
            throw new IllegalArgumentException(logits.length + " logits for a vocabulary of " + vocabulary.size() + " tokens");
        }
        long[] bits = allowedBits();
        int n = vocabulary.size();
        for (int w = 0; w < bits.length; w++) {
            long word = bits[w];
            if (word == -1L) {
                continue;
            }
            int base = w << 6;
            for (int i = base, e = Math.min(n, base + 64); i < e; i++) {
                if ((word >>> (i - base) & 1) == 0) {
                    logits[i] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        Arrays.fill(logits, n, logits.length, Float.NEGATIVE_INFINITY);
    }

    /** The tokens that {@link #allows} would accept now (see {@link #mask} for when none is). */
    public BitSet allowedTokens() {
        return BitSet.valueOf(allowedBits());
    }

    /**
     * Moves past token; after an end token nothing more is allowed.
     *
     * @throws IllegalArgumentException when the grammar does not accept token here (the state is unchanged)
     */
    public void accept(int token) {
        if (token < 0 || token >= vocabulary.size()) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary [0, " + vocabulary.size() + ")");
        }
        if (ended) {
            throw new IllegalStateException("the sequence has already ended");
        }
        state = automaton.compact(state);
        if (vocabulary.isEnd(token)) {
            if (!automaton.canEnd(state)) {
                throw new IllegalArgumentException("end token " + token + " where the grammar cannot end yet");
            }
            ended = true;
        } else {
            byte[] b = vocabulary.bytesOf(token);
            int next = b.length == 0 ? GrammarAutomaton.DEAD : automaton.walk(state, b, 0, b.length);
            if (next == GrammarAutomaton.DEAD) {
                throw new IllegalArgumentException("the grammar does not accept token " + token + " here");
            }
            state = next;
        }
        accepted++;
    }

    /** Whether the text so far is a whole string of the grammar. */
    public boolean canEnd() {
        return !ended && automaton.canEnd(state);
    }

    /** Whether the sequence must end now: the grammar is complete and allows nothing more (or an end token was accepted). */
    public boolean mustEnd() {
        return ended || automaton.mustEnd(state);
    }

    /** Tokens accepted since the start (or the last reset). */
    public int acceptedTokens() {
        return accepted;
    }

    /** Back to the start of the grammar. */
    public void reset() {
        automaton.compact(state);
        state = automaton.start();
        accepted = 0;
        ended = false;
    }

    /** The most bytes what follows the next token may still need; everything when there is no limit. */
    private int budget() {
        return maxTokens < 0 ? Integer.MAX_VALUE : maxTokens - accepted - 1;
    }

    /**
     * One walk over the trie: for every node, the state after its bytes; a DEAD state skips the
     * node's whole subtree. Returns the allowed tokens' bits (the budget's when any token meets it).
     */
    private long[] allowedBits() {
        Arrays.fill(grammarBits, 0);
        Arrays.fill(budgetBits, 0);
        if (ended) {
            throw new IllegalStateException("the sequence has already ended");
        }
        state = automaton.compact(state);
        int budget = budget();
        boolean anyGrammar = false;
        boolean anyBudget = false;
        TokenVocabulary v = vocabulary;
        int[] edgeByte = v.edgeByte;
        int[] depth = v.depth;
        int[] subtreeEnd = v.subtreeEnd;
        int[] tokensStart = v.tokensStart;
        int[] tokens = v.tokens;
        GrammarAutomaton a = automaton;
        stateAt[0] = state;
        int nodes = edgeByte.length;
        for (int i = 1; i < nodes; ) {
            int s = a.step(stateAt[depth[i] - 1], edgeByte[i]);
            if (s == GrammarAutomaton.DEAD) {
                i = subtreeEnd[i];
                continue;
            }
            stateAt[depth[i]] = s;
            int from = tokensStart[i];
            int to = tokensStart[i + 1];
            if (from < to) {
                boolean inBudget = a.cost(s) <= budget;
                for (int k = from; k < to; k++) {
                    int t = tokens[k];
                    grammarBits[t >>> 6] |= 1L << t;
                    if (inBudget) {
                        budgetBits[t >>> 6] |= 1L << t;
                    }
                }
                anyGrammar = true;
                anyBudget |= inBudget;
            }
            i++;
        }
        if (a.canEnd(state)) {
            for (int t : v.endIds) {
                grammarBits[t >>> 6] |= 1L << t;
                budgetBits[t >>> 6] |= 1L << t;
                anyGrammar = true;
                anyBudget = true;
            }
        }
        if (!anyGrammar) {
            throw new IllegalStateException("no token of the vocabulary can continue the grammar here");
        }
        return anyBudget ? budgetBits : grammarBits;
    }
}
