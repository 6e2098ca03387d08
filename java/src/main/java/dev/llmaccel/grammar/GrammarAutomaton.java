package dev.llmaccel.grammar;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The set of parse stacks a grammar can be in, advanced byte by byte, with every set it has met
 * remembered as a numbered state and every transition cached: once warm, stepping is one array
 * read, which is what makes walking a 128k-token vocabulary trie cheap.
 *
 * <p>A parse stack (llama.cpp's representation) lists where matching continues: its top is a byte
 * set element of {@link CompiledGrammar#code}, the entries below are the positions to resume
 * once the alternative above them is done. Stacks are persistent linked lists of interned nodes,
 * so equal stacks are the same node and a state is the sorted array of its stacks' top nodes.
 * Node {@link #ACCEPT} is the empty stack: the grammar may end there.
 *
 * <p>Mutable and not thread-safe: one per sequence. The cache is bounded: once it holds more than
 * {@link #MAX_STATES} states or {@link #MAX_NODES} nodes, {@link #compact} drops it all but the
 * current state.
 */
final class GrammarAutomaton {
    /** The state with no stacks: nothing more can be accepted, and the grammar cannot end. */
    static final int DEAD = 0;
    static final int UNKNOWN = -1;
    static final int MAX_STATES = 2048;
    static final int MAX_NODES = 1 << 18;
    /** More stacks than this at once means a grammar too ambiguous to match in reasonable time. */
    static final int MAX_STACKS = 10_000;
    private static final int ACCEPT = 0;

    private final CompiledGrammar g;
    private final int[] code;

    // stack nodes: where matching continues, and the node below
    private int[] nodePos;
    private int[] nodeParent;
    private int[] nodeCost;
    private int nodeCount;
    private final LongIntMap nodeIndex = new LongIntMap();

    // states: sorted top nodes, fewest bytes to an end, transitions (UNKNOWN until computed)
    private int[][] stateNodes;
    private int[] stateCost;
    /** Per state, four longs: the bytes some stack's top accepts (any other byte leads to DEAD). */
    private long[] stateBytes;
    private int[] transitions;
    private int stateCount;
    private final Map<StateKey, Integer> stateIndex = new HashMap<>();
    private int start;
    /** Counts resets: state numbers from before one mean nothing after it. */
    private int generation;

    // scratch for computing a transition
    private int[] expandedStamp;
    private int[] addedStamp;
    private int stamp;
    private final IntList result = new IntList();
    private final IntList work = new IntList();

    private record StateKey(int[] nodes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof StateKey k && Arrays.equals(nodes, k.nodes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(nodes);
        }
    }

    GrammarAutomaton(CompiledGrammar grammar) {
        this.g = grammar;
        this.code = grammar.code;
        reset();
    }

    /** The state before any byte. */
    int start() {
        return start;
    }

    /** The state after byte b (0-255) from state s; DEAD when the grammar rejects it. */
    int step(int s, int b) {
        int t = transitions[(s << 8) | b];
        if (t != UNKNOWN) {
            return t;
        }
        t = compute(s, b);
        transitions[(s << 8) | b] = t;
        return t;
    }

    /** The state after bytes[from, to) from s; DEAD as soon as one is rejected. */
    int walk(int s, byte[] bytes, int from, int to) {
        for (int i = from; i < to && s != DEAD; i++) {
            s = step(s, bytes[i] & 0xFF);
        }
        return s;
    }

    /** Whether the grammar may end in state s. */
    boolean canEnd(int s) {
        int[] nodes = stateNodes[s];
        return nodes.length > 0 && nodes[0] == ACCEPT;
    }

    /** Whether the grammar must end in state s: it may, and no byte can follow. */
    boolean mustEnd(int s) {
        int[] nodes = stateNodes[s];
        if (!canEnd(s)) {
            return false;
        }
        for (int i = 1; i < nodes.length; i++) {
            int e = code[nodePos[nodes[i]]];
            int set = -2 - e;
            for (int w = 0; w < 4; w++) {
                if (g.byteSets[4 * set + w] != 0) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The fewest bytes that bring state s to an end; INFINITE for DEAD. */
    int cost(int s) {
        return stateCost[s];
    }

    int stateCount() {
        return stateCount;
    }

    /**
     * The transition table, state << 8 | byte to the next state (UNKNOWN: not computed yet, see
     * {@link #step}); for hot loops, which must fetch it again after a step that computed a transition.
     */
    int[] transitionTable() {
        return transitions;
    }

    /** How many times the cache was reset; state numbers are only comparable within one generation. */
    int generation() {
        return generation;
    }

    /** Forgets every state and node. */
    void reset() {
        generation++;
        nodeIndex.clear();
        stateIndex.clear();
        nodePos = new int[256];
        nodeParent = new int[256];
        nodeCost = new int[256];
        expandedStamp = new int[256];
        addedStamp = new int[256];
        nodeCount = 1;  // node 0 is ACCEPT, the empty stack
        nodePos[ACCEPT] = -1;
        nodeParent[ACCEPT] = -1;
        stateNodes = new int[16][];
        stateCost = new int[16];
        stateBytes = new long[16 * 4];
        transitions = new int[16 << 8];
        stateCount = 0;
        intern(new int[0]);  // DEAD
        start = expandInto(node(g.start, -1));
    }

    /**
     * Drops the cache when it has grown beyond its bounds and returns the state that stands for s
     * afterwards (s itself when nothing was dropped). States numbered before the call are invalid
     * after a drop: only call this between walks.
     */
    int compact(int s) {
        if (stateCount <= MAX_STATES && nodeCount <= MAX_NODES) {
            return s;
        }
        // each of s's stacks as its positions from the bottom up, to rebuild after the reset
        int[][] stacks = new int[stateNodes[s].length][];
        for (int i = 0; i < stacks.length; i++) {
            int depth = 0;
            for (int n = stateNodes[s][i]; n > ACCEPT; n = nodeParent[n]) {
                depth++;
            }
            int[] positions = new int[depth];
            int k = depth;
            for (int n = stateNodes[s][i]; n > ACCEPT; n = nodeParent[n]) {
                positions[--k] = nodePos[n];
            }
            stacks[i] = stateNodes[s][i] == ACCEPT ? null : positions;
        }
        boolean wasDead = s == DEAD;
        reset();
        if (wasDead) {
            return DEAD;
        }
        int[] nodes = new int[stacks.length];
        for (int i = 0; i < stacks.length; i++) {
            int n = -1;
            if (stacks[i] == null) {
                n = ACCEPT;
            } else {
                for (int pos : stacks[i]) {
                    n = node(pos, n);
                }
            }
            nodes[i] = n;
        }
        Arrays.sort(nodes);
        return intern(nodes);
    }

    // ---- transitions ------------------------------------------------------------------------------

    private int compute(int s, int b) {
        if ((stateBytes[4 * s + (b >>> 6)] >>> (b & 63) & 1) == 0) {
            return DEAD;  // no stack takes this byte: no need to expand anything
        }
        beginResult();
        for (int n : stateNodes[s]) {
            if (n == ACCEPT) {
                continue;
            }
            int p = nodePos[n];
            if (g.matches(code[p], b)) {
                expand(code[p + 1] != CompiledGrammar.END ? node(p + 1, nodeParent[n]) : nodeParent[n]);
            }
        }
        return endResult();
    }

    /** The state of the stacks that expanding node n gives. */
    private int expandInto(int n) {
        beginResult();
        expand(n);
        return endResult();
    }

    private void beginResult() {
        result.clear();
        if (++stamp == Integer.MAX_VALUE) {
            Arrays.fill(expandedStamp, 0);
            Arrays.fill(addedStamp, 0);
            stamp = 1;
        }
    }

    private int endResult() {
        int[] nodes = result.toArray();
        Arrays.sort(nodes);
        return intern(nodes);
    }

    /**
     * Adds the stacks that continuing from node n leads to, every rule reference at the top
     * replaced by its alternatives until a byte set is on top (or the stack is empty). n -1 is
     * the empty stack. Each node is expanded once per transition.
     */
    private void expand(int first) {
        work.clear();
        work.add(first);
        while (work.size() > 0) {
            int n = work.get(work.size() - 1);
            work.removeLast();
            if (n < 0) {
                add(ACCEPT);
                continue;
            }
            if (expandedStamp[n] == stamp) {
                continue;
            }
            expandedStamp[n] = stamp;
            int p = nodePos[n];
            int e = code[p];
            if (e < 0) {
                add(n);
                continue;
            }
            int rest = code[p + 1] != CompiledGrammar.END ? node(p + 1, nodeParent[n]) : nodeParent[n];
            for (int a : g.alternatives[e]) {
                work.add(code[a] == CompiledGrammar.END ? rest : node(a, rest));
            }
        }
    }

    private void add(int n) {
        if (addedStamp[n] != stamp) {
            addedStamp[n] = stamp;
            result.add(n);
            if (result.size() > MAX_STACKS) {
                throw new GrammarAmbiguityException("the grammar is too ambiguous: more than " + MAX_STACKS
                        + " ways to parse the text so far at once");
            }
        }
    }

    /** The interned node for continuing at pos with parent below (-1: none). */
    private int node(int pos, int parent) {
        long key = ((long) pos << 32) | (parent + 1);
        int n = nodeIndex.get(key);
        if (n >= 0) {
            return n;
        }
        n = nodeCount++;
        if (n == nodePos.length) {
            int size = n * 2;
            nodePos = Arrays.copyOf(nodePos, size);
            nodeParent = Arrays.copyOf(nodeParent, size);
            nodeCost = Arrays.copyOf(nodeCost, size);
        }
        if (n >= expandedStamp.length) {
            expandedStamp = Arrays.copyOf(expandedStamp, nodePos.length);
            addedStamp = Arrays.copyOf(addedStamp, nodePos.length);
        }
        nodePos[n] = pos;
        nodeParent[n] = parent;
        int below = parent >= 0 ? nodeCost[parent] : 0;
        nodeCost[n] = CompiledGrammar.addCost(g.remainingCost[pos], below);
        nodeIndex.put(key, n);
        return n;
    }

    private int intern(int[] nodes) {
        StateKey key = new StateKey(nodes);
        Integer known = stateIndex.get(key);
        if (known != null) {
            return known;
        }
        int s = stateCount++;
        if (s == stateNodes.length) {
            stateNodes = Arrays.copyOf(stateNodes, s * 2);
            stateCost = Arrays.copyOf(stateCost, s * 2);
            stateBytes = Arrays.copyOf(stateBytes, s * 2 * 4);
            transitions = Arrays.copyOf(transitions, (s * 2) << 8);
        }
        Arrays.fill(transitions, s << 8, (s + 1) << 8, UNKNOWN);
        stateNodes[s] = nodes;
        int cost = CompiledGrammar.INFINITE;
        for (int n : nodes) {
            cost = Math.min(cost, n == ACCEPT ? 0 : nodeCost[n]);
            if (n != ACCEPT) {
                int set = -2 - code[nodePos[n]];
                for (int w = 0; w < 4; w++) {
                    stateBytes[4 * s + w] |= g.byteSets[4 * set + w];
                }
            }
        }
        stateCost[s] = cost;
        stateIndex.put(key, s);
        return s;
    }
}
