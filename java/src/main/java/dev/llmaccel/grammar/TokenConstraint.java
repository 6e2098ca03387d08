package dev.llmaccel.grammar;

import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;
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
 * <p>Masks are remembered for the last {@link #CACHED_MASKS} grammar states (a string's every
 * character leads back to the same state, so a long string masks once), except where the token
 * limit narrows them.
 *
 * <p>Mutable and not thread-safe: one per sequence (a batching engine holds one per sequence).
 * The grammar and vocabulary are shared; the automaton's cache (a few MB at most) and the masks
 * are the constraint's own.
 */
public final class TokenConstraint {
    /** How many states' masks are kept (each is vocabulary size / 8 bytes). */
    static final int CACHED_MASKS = 32;

    /** A state's mask under the grammar alone, and the largest cost of finishing after any allowed token. */
    private record CachedMask(long[] bits, int maxCost) {}

    private final TokenVocabulary vocabulary;
    private final int maxTokens;
    private final GrammarAutomaton automaton;
    private final long[] grammarBits;
    private final long[] budgetBits;
    private final int[] stateAt;
    private final Map<Integer, CachedMask> masks = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, CachedMask> eldest) {
            return size() > CACHED_MASKS;
        }
    };
    private int masksGeneration;
    /** Per state (of masksGeneration): 0 not known yet, 1 every plain byte leads back to it, 2 not. */
    private byte[] plainLoops = new byte[64];
    private boolean anyInBudget;
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
            int base = w << 6;
            long rejected = ~bits[w];
            if (base + 64 > n) {
                rejected &= (1L << (n - base)) - 1;  // the last word's bits past the vocabulary
            }
            if (rejected == -1L) {
                Arrays.fill(logits, base, base + 64, Float.NEGATIVE_INFINITY);
                continue;
            }
            while (rejected != 0) {
                logits[base + Long.numberOfTrailingZeros(rejected)] = Float.NEGATIVE_INFINITY;
                rejected &= rejected - 1;
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
     * The allowed tokens' bits: from the cache when this state's mask is known and the token
     * limit does not narrow it, else from one walk over the trie (below).
     */
    private long[] allowedBits() {
        if (ended) {
            throw new IllegalStateException("the sequence has already ended");
        }
        state = automaton.compact(state);
        if (masksGeneration != automaton.generation()) {
            masks.clear();
            Arrays.fill(plainLoops, (byte) 0);
            masksGeneration = automaton.generation();
        }
        int budget = budget();
        CachedMask cached = masks.get(state);
        if (cached != null && cached.maxCost() <= budget) {
            return cached.bits();
        }
        int maxCost = walk(budget);
        if (maxCost <= budget) {
            masks.put(state, new CachedMask(grammarBits.clone(), maxCost));
            return grammarBits;
        }
        return anyInBudget ? budgetBits : grammarBits;
    }

    /** Whether every plain byte (see {@link TokenVocabulary#isPlain}) takes state s back to s: inside a JSON string, say. */
    private boolean loopsOnPlain(int s) {
        if (s >= plainLoops.length) {
            plainLoops = Arrays.copyOf(plainLoops, Math.max(s + 1, plainLoops.length * 2));
        }
        if (plainLoops[s] == 0) {
            boolean loops = true;
            for (int b = 0x20; b < 0x7F && loops; b++) {
                loops = !TokenVocabulary.isPlain(b) || automaton.step(s, b) == s;
            }
            plainLoops[s] = (byte) (loops ? 1 : 2);
        }
        return plainLoops[s] == 1;
    }

    /**
     * One walk over the trie in preorder: for every node, the state after its bytes (one table
     * read once warm); a DEAD state skips the node's whole subtree. Fills grammarBits with the
     * tokens the grammar allows and budgetBits with those that can still finish within budget
     * (anyInBudget says whether there is one), and returns the largest cost of finishing after an
     * allowed token.
     *
     * @throws IllegalStateException when the grammar allows no token at all
     */
    private int walk(int budget) {
        Arrays.fill(grammarBits, 0);
        Arrays.fill(budgetBits, 0);
        boolean anyGrammar = false;
        boolean anyBudget = false;
        int maxCost = 0;
        TokenVocabulary v = vocabulary;
        int[] packed = v.packed;
        int[] subtreeEnd = v.subtreeEnd;
        int[] tokensStart = v.tokensStart;
        int[] tokens = v.tokens;
        GrammarAutomaton a = automaton;
        int[] transitions = a.transitionTable();
        int[] at = stateAt;
        at[0] = state;
        for (int i = 1, nodes = packed.length; i < nodes; ) {
            int node = packed[i];
            int depth = (node >>> 8) & 0x3FFFFF;
            int b = node & 0xFF;
            int parent = at[depth - 1];
            if ((node & TokenVocabulary.PLAIN_SUBTREE) != 0 && loopsOnPlain(parent)) {
                // every plain byte leaves parent as it is: all of the subtree's tokens end there
                int cost = a.cost(parent);
                boolean inBudget = cost <= budget;
                int from = tokensStart[i];
                int to = tokensStart[subtreeEnd[i]];
                for (int k = from; k < to; k++) {
                    int t = tokens[k];
                    grammarBits[t >>> 6] |= 1L << t;
                    if (inBudget) {
                        budgetBits[t >>> 6] |= 1L << t;
                    }
                }
                if (from < to) {
                    maxCost = Math.max(maxCost, cost);
                    anyGrammar = true;
                    anyBudget |= inBudget;
                }
                transitions = a.transitionTable();
                i = subtreeEnd[i];
                continue;
            }
            int s = transitions[(parent << 8) | b];
            if (s == GrammarAutomaton.UNKNOWN) {
                s = a.step(parent, b);
                transitions = a.transitionTable();
            }
            if (s == GrammarAutomaton.DEAD) {
                i = subtreeEnd[i];
                continue;
            }
            at[depth] = s;
            if (node < 0) {
                int cost = a.cost(s);
                boolean inBudget = cost <= budget;
                maxCost = Math.max(maxCost, cost);
                for (int k = tokensStart[i], to = tokensStart[i + 1]; k < to; k++) {
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
            }
            anyGrammar |= v.endIds.length > 0;
            anyBudget |= v.endIds.length > 0;
        }
        if (!anyGrammar) {
            throw new IllegalStateException("no token of the vocabulary can continue the grammar here");
        }
        anyInBudget = anyBudget;
        return maxCost;
    }
}
