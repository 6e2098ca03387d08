package dev.llmaccel.grammar;

/**
 * A grammar compiled to bytes: rules of alternatives, each alternative a run of elements in
 * {@link #code} ended by {@link #END}. An element is a rule reference (its index, >= 0) or a set
 * of bytes (a negative number, see {@link #byteSetElement}). Character classes became rules
 * whose alternatives are byte-range sequences of their UTF-8 forms, so matching is byte by byte.
 *
 * <p>Immutable; shared by every matcher of the grammar.
 */
final class CompiledGrammar {
    static final int END = -1;
    /** The cost of what can never finish. */
    static final int INFINITE = Integer.MAX_VALUE;
    /** Finite costs are capped here (below INFINITE), so a huge but finite grammar stays finite. */
    static final int MAX_FINITE = Integer.MAX_VALUE - 1;

    /** All alternatives' elements, each alternative ended by END; the last two are [root, END]. */
    final int[] code;
    /** For each rule, where each of its alternatives starts in code. */
    final int[][] alternatives;
    /** Four longs (256 bits) per byte set. */
    final long[] byteSets;
    /** For each position in code, the fewest bytes that finish its alternative from there. */
    final int[] remainingCost;
    /** Where matching starts: a position holding a reference to the root rule, then END. */
    final int start;
    /** Rule names for messages: the grammar's names, and "name-N" for the rules made from groups and repetitions. */
    final String[] ruleNames;

    CompiledGrammar(int[] code, int[][] alternatives, long[] byteSets, int[] remainingCost, int start, String[] ruleNames) {
        this.code = code;
        this.alternatives = alternatives;
        this.byteSets = byteSets;
        this.remainingCost = remainingCost;
        this.start = start;
        this.ruleNames = ruleNames;
    }

    /** a + b for costs: INFINITE if either is, else capped at MAX_FINITE. */
    static int addCost(int a, int b) {
        if (a == INFINITE || b == INFINITE) {
            return INFINITE;
        }
        return (int) Math.min((long) a + b, MAX_FINITE);
    }

    static int byteSetElement(int index) {
        return -2 - index;
    }

    /** Whether element (a byte set) holds byte b (0-255). */
    boolean matches(int element, int b) {
        int set = -2 - element;
        return (byteSets[4 * set + (b >>> 6)] >>> (b & 63) & 1) != 0;
    }

    /** The fewest bytes of any string the grammar accepts. */
    int minimumLength() {
        return remainingCost[start];
    }
}
