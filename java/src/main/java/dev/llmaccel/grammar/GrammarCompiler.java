package dev.llmaccel.grammar;

import dev.llmaccel.grammar.Expr.Alt;
import dev.llmaccel.grammar.Expr.Chars;
import dev.llmaccel.grammar.Expr.Ref;
import dev.llmaccel.grammar.Expr.Repeat;
import dev.llmaccel.grammar.Expr.Rule;
import dev.llmaccel.grammar.Expr.Seq;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles parsed rules to a {@link CompiledGrammar}: groups and repetitions become rules of their
 * own (as llama.cpp does: {@code x*} is {@code s ::= x s |}, {@code x{2,4}} is
 * {@code x x o2}, {@code o2 ::= x o1 |}, {@code o1 ::= x |}), character classes become rules of
 * UTF-8 byte-range sequences. Rejects references to undefined rules, left recursion (matching
 * would never end) and grammars whose expansion grows beyond {@link #MAX_ELEMENTS}.
 */
final class GrammarCompiler {
    /** Most elements the compiled grammar may hold (about 16 MB of code). */
    static final int MAX_ELEMENTS = 4_000_000;

    private final String text;
    private final Map<String, Integer> ruleIndex = new HashMap<>();
    /** Per rule, its alternatives as element arrays. */
    private final List<List<int[]>> rules = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    /** Per rule, the source offset to name in messages and what it was made from. */
    private final List<Integer> origins = new ArrayList<>();
    private final List<String> kinds = new ArrayList<>();
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final Map<ByteSetKey, Integer> byteSets = new HashMap<>();
    private final List<long[]> byteSetList = new ArrayList<>();
    private final Map<CodePointSet, Integer> classRules = new HashMap<>();
    private final Map<Long, Integer> repeatRules = new HashMap<>();
    private final Map<String, Integer> generatedCount = new HashMap<>();
    private long elements;

    private record Pending(int rule, Expr body, String owner) {}

    private record ByteSetKey(long a, long b, long c, long d) {}

    private GrammarCompiler(String text) {
        this.text = text;
    }

    static CompiledGrammar compile(Map<String, Rule> parsed, String rootName, String text) {
        return new GrammarCompiler(text).run(parsed, rootName);
    }

    private CompiledGrammar run(Map<String, Rule> parsed, String rootName) {
        for (Rule r : parsed.values()) {
            ruleIndex.put(r.name(), newRule(r.name(), r.offset(), "rule"));
        }
        Integer root = ruleIndex.get(rootName);
        if (root == null) {
            throw new GrammarException("the grammar has no rule '" + rootName + "' to start from");
        }
        for (Rule r : parsed.values()) {
            pending.add(new Pending(ruleIndex.get(r.name()), r.body(), r.name()));
        }
        while (!pending.isEmpty()) {
            Pending p = pending.poll();
            List<int[]> alts = rules.get(p.rule());
            for (Expr option : options(p.body())) {
                IntList seq = new IntList();
                emit(option, seq, p.owner());
                alts.add(seq.toArray());
            }
        }
        return layout(root);
    }

    private static List<Expr> options(Expr e) {
        return e instanceof Alt a ? a.options() : List.of(e);
    }

    private int newRule(String name, int origin, String kind) {
        rules.add(new ArrayList<>());
        names.add(name);
        origins.add(origin);
        kinds.add(kind);
        return rules.size() - 1;
    }

    /** A rule made from part of owner's body, compiled later. */
    private int generatedRule(Expr body, String owner, int origin, String kind) {
        int n = generatedCount.merge(owner, 1, Integer::sum);
        int rule = newRule(owner + "-" + n, origin, kind);
        pending.add(new Pending(rule, body, owner));
        return rule;
    }

    private void emit(Expr e, IntList out, String owner) {
        if (e instanceof Seq s) {
            for (Expr item : s.items()) {
                emit(item, out, owner);
            }
        } else if (e instanceof Chars c) {
            emitChars(c.set(), out, owner);
        } else if (e instanceof Ref r) {
            Integer target = ruleIndex.get(r.name());
            if (target == null) {
                throw error(r.offset(), "undefined rule '" + r.name() + "'");
            }
            add(out, target, r.offset());
        } else if (e instanceof Alt a) {
            add(out, generatedRule(a, owner, -1, "group"), -1);
        } else if (e instanceof Repeat r) {
            emitRepeat(r, out, owner);
        }
    }

    private void emitChars(CodePointSet set, IntList out, String owner) {
        List<int[]> sequences = Utf8Sequences.of(set);
        if (sequences.size() == 1 || sequences.stream().allMatch(s -> s.length == 2)) {
            if (sequences.isEmpty()) {
                add(out, byteSet(new int[0]), -1);   // nothing to match: an element no byte passes
                return;
            }
            if (sequences.size() == 1) {
                int[] seq = sequences.get(0);
                for (int k = 0; k < seq.length; k += 2) {
                    add(out, byteSet(new int[] {seq[k], seq[k + 1]}), -1);
                }
            } else {
                add(out, byteSet(sequences.stream().flatMapToInt(Arrays::stream).toArray()), -1);
            }
            return;
        }
        Integer rule = classRules.get(set);
        if (rule == null) {
            rule = newRule(owner + "-chars" + classRules.size(), -1, "character class");
            int[] singleBytes = sequences.stream().filter(q -> q.length == 2).flatMapToInt(Arrays::stream).toArray();
            if (singleBytes.length > 0) {
                rules.get(rule).add(new int[] {byteSet(singleBytes)});
                elements += 2;
            }
            for (int[] seq : sequences) {
                if (seq.length == 2) {
                    continue;
                }
                int[] alt = new int[seq.length / 2];
                for (int k = 0; k < alt.length; k++) {
                    alt[k] = byteSet(new int[] {seq[2 * k], seq[2 * k + 1]});
                }
                rules.get(rule).add(alt);
                elements += alt.length + 1;
            }
            classRules.put(set, rule);
        }
        add(out, rule, -1);
    }

    private void emitRepeat(Repeat r, IntList out, String owner) {
        int unit;
        if (r.item() instanceof Alt) {
            unit = generatedRule(r.item(), owner, r.offset(), "repetition");
        } else {
            IntList single = new IntList();
            emit(r.item(), single, owner);
            if (single.size() == 0) {
                return;  // repeating the empty string is the empty string
            }
            if (single.size() == 1) {
                unit = single.get(0);
                elements--;
            } else {
                unit = newRule(owner + "-" + generatedCount.merge(owner, 1, Integer::sum), r.offset(), "repetition");
                rules.get(unit).add(single.toArray());
                elements++;
            }
        }
        for (int i = 0; i < r.min(); i++) {
            add(out, unit, r.offset());
        }
        if (r.max() < 0) {
            add(out, repeatRule(unit, 0, r.offset()), r.offset());
        } else if (r.max() > r.min()) {
            add(out, repeatRule(unit, r.max() - r.min(), r.offset()), r.offset());
        }
    }

    /**
     * A rule for up to k more units, or any number when k is 0: {@code s ::= unit s |} for any
     * number, {@code o_k ::= unit o_(k-1) |} down to {@code o_1 ::= unit |}. Equal repetitions
     * share their rules, and a longer bound extends the chain of a shorter one.
     */
    private int repeatRule(int unit, int k, int origin) {
        Integer cached = repeatRules.get(repeatKey(unit, k));
        if (cached != null) {
            return cached;
        }
        if (k == 0) {
            int rule = newRule(nameOf(unit) + "-star", origin, "repetition");
            rules.get(rule).add(new int[] {unit, rule});
            rules.get(rule).add(new int[0]);
            elements += 4;
            repeatRules.put(repeatKey(unit, 0), rule);
            return rule;
        }
        int j = k - 1;
        while (j >= 1 && !repeatRules.containsKey(repeatKey(unit, j))) {
            j--;
        }
        int below = j >= 1 ? repeatRules.get(repeatKey(unit, j)) : -1;
        for (int i = j + 1; i <= k; i++) {
            int rule = newRule(nameOf(unit) + "-upto" + i, origin, "repetition");
            rules.get(rule).add(below < 0 ? new int[] {unit} : new int[] {unit, below});
            rules.get(rule).add(new int[0]);
            elements += below < 0 ? 3 : 4;
            repeatRules.put(repeatKey(unit, i), rule);
            below = rule;
            checkSize(origin);
        }
        return below;
    }

    private static long repeatKey(int unit, int k) {
        return ((long) unit << 32) | k;
    }

    private String nameOf(int element) {
        return element >= 0 ? names.get(element) : "bytes" + (-2 - element);
    }

    private void add(IntList out, int element, int offset) {
        out.add(element);
        elements++;
        if (elements > MAX_ELEMENTS) {
            checkSize(offset);
        }
    }

    private void checkSize(int offset) {
        if (elements > MAX_ELEMENTS) {
            String message = "the grammar grows beyond " + MAX_ELEMENTS + " elements once its repetitions are expanded";
            throw offset >= 0 ? error(offset, message) : new GrammarException(message);
        }
    }

    /** The element of the byte set made of inclusive ranges lo, hi, ... */
    private int byteSet(int[] pairs) {
        long[] bits = new long[4];
        for (int i = 0; i < pairs.length; i += 2) {
            for (int b = pairs[i]; b <= pairs[i + 1]; b++) {
                bits[b >>> 6] |= 1L << (b & 63);
            }
        }
        Integer index = byteSets.computeIfAbsent(new ByteSetKey(bits[0], bits[1], bits[2], bits[3]), k -> {
            byteSetList.add(bits);
            return byteSetList.size() - 1;
        });
        return CompiledGrammar.byteSetElement(index);
    }

    // ---- layout and checks ------------------------------------------------------------------------

    private CompiledGrammar layout(int root) {
        int size = 2;
        for (List<int[]> alts : rules) {
            for (int[] alt : alts) {
                size += alt.length + 1;
            }
        }
        int[] code = new int[size];
        int[][] starts = new int[rules.size()][];
        int at = 0;
        for (int r = 0; r < rules.size(); r++) {
            List<int[]> alts = rules.get(r);
            starts[r] = new int[alts.size()];
            for (int a = 0; a < alts.size(); a++) {
                starts[r][a] = at;
                System.arraycopy(alts.get(a), 0, code, at, alts.get(a).length);
                at += alts.get(a).length;
                code[at++] = CompiledGrammar.END;
            }
        }
        int start = at;
        code[at++] = root;
        code[at] = CompiledGrammar.END;
        long[] sets = new long[4 * byteSetList.size()];
        for (int i = 0; i < byteSetList.size(); i++) {
            System.arraycopy(byteSetList.get(i), 0, sets, 4 * i, 4);
        }
        rejectLeftRecursion(code, starts);
        int[] cost = costs(code, starts);
        if (cost[start] >= CompiledGrammar.INFINITE) {
            throw error(origins.get(root), "rule '" + names.get(root) + "' can never finish: every way through it recurses without end");
        }
        return new CompiledGrammar(code, starts, sets, cost, start, names.toArray(new String[0]));
    }

    /**
     * A rule that can reach itself before consuming a byte would make matching expand forever
     * (llama.cpp rejects these grammars too).
     */
    private void rejectLeftRecursion(int[] code, int[][] starts) {
        int n = starts.length;
        boolean[] nullable = new boolean[n];
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int r = 0; r < n; r++) {
                if (nullable[r]) {
                    continue;
                }
                for (int s : starts[r]) {
                    int p = s;
                    while (code[p] != CompiledGrammar.END && code[p] >= 0 && nullable[code[p]]) {
                        p++;
                    }
                    if (code[p] == CompiledGrammar.END) {
                        nullable[r] = true;
                        changed = true;
                        break;
                    }
                }
            }
        }
        // edges: r -> the rules it can start with
        int[][] firsts = new int[n][];
        for (int r = 0; r < n; r++) {
            IntList f = new IntList();
            for (int s : starts[r]) {
                for (int p = s; code[p] != CompiledGrammar.END && code[p] >= 0; p++) {
                    f.add(code[p]);
                    if (!nullable[code[p]]) {
                        break;
                    }
                }
            }
            firsts[r] = f.toArray();
        }
        // iterative depth-first search for a cycle
        byte[] color = new byte[n];  // 0 new, 1 on the path, 2 done
        int[] edge = new int[n];
        int[] path = new int[n];
        for (int s = 0; s < n; s++) {
            if (color[s] != 0) {
                continue;
            }
            int depth = 0;
            path[0] = s;
            color[s] = 1;
            edge[s] = 0;
            while (depth >= 0) {
                int r = path[depth];
                if (edge[r] < firsts[r].length) {
                    int next = firsts[r][edge[r]++];
                    if (color[next] == 1) {
                        throw leftRecursion(path, depth, next);
                    }
                    if (color[next] == 0) {
                        color[next] = 1;
                        edge[next] = 0;
                        path[++depth] = next;
                    }
                } else {
                    color[r] = 2;
                    depth--;
                }
            }
        }
    }

    private GrammarException leftRecursion(int[] path, int depth, int back) {
        int from = depth;
        while (path[from] != back) {
            from--;
        }
        StringBuilder chain = new StringBuilder();
        int named = -1;
        int repetition = -1;
        for (int i = from; i <= depth; i++) {
            int r = path[i];
            if (kinds.get(r).equals("rule")) {
                chain.append(names.get(r)).append(" -> ");
                if (named < 0) {
                    named = r;
                }
            } else if (kinds.get(r).equals("repetition") && repetition < 0) {
                repetition = r;
            }
        }
        if (named < 0 && repetition >= 0) {
            return error(origins.get(repetition), "this repetition repeats something that can match the empty string, so matching could loop forever");
        }
        if (named < 0) {
            named = back;
        }
        chain.append(names.get(named));
        return error(origins.get(named), "left recursion: " + chain + " (a rule must consume input before it reaches itself again)");
    }

    /** The fewest bytes that finish each position's alternative; INFINITE where nothing finishes. */
    private static int[] costs(int[] code, int[][] starts) {
        int n = starts.length;
        int[] ruleCost = new int[n];
        Arrays.fill(ruleCost, CompiledGrammar.INFINITE);
        // rules that refer to each rule, to revisit when its cost drops
        int[] refCount = new int[n];
        for (int r = 0; r < n; r++) {
            for (int s : starts[r]) {
                for (int p = s; code[p] != CompiledGrammar.END; p++) {
                    if (code[p] >= 0) {
                        refCount[code[p]]++;
                    }
                }
            }
        }
        int[][] users = new int[n][];
        for (int r = 0; r < n; r++) {
            users[r] = new int[refCount[r]];
        }
        int[] fill = new int[n];
        for (int r = 0; r < n; r++) {
            for (int s : starts[r]) {
                for (int p = s; code[p] != CompiledGrammar.END; p++) {
                    if (code[p] >= 0) {
                        users[code[p]][fill[code[p]]++] = r;
                    }
                }
            }
        }
        ArrayDeque<Integer> work = new ArrayDeque<>();
        boolean[] queued = new boolean[n];
        for (int r = 0; r < n; r++) {
            work.add(r);
            queued[r] = true;
        }
        while (!work.isEmpty()) {
            int r = work.poll();
            queued[r] = false;
            int best = CompiledGrammar.INFINITE;
            for (int s : starts[r]) {
                int sum = 0;
                for (int p = s; code[p] != CompiledGrammar.END && sum != CompiledGrammar.INFINITE; p++) {
                    sum = CompiledGrammar.addCost(sum, code[p] >= 0 ? ruleCost[code[p]] : 1);
                }
                best = Math.min(best, sum);
            }
            if (best < ruleCost[r]) {
                ruleCost[r] = best;
                for (int u : users[r]) {
                    if (!queued[u]) {
                        queued[u] = true;
                        work.add(u);
                    }
                }
            }
        }
        int[] cost = new int[code.length];
        for (int p = code.length - 1; p >= 0; p--) {
            if (code[p] == CompiledGrammar.END) {
                cost[p] = 0;
            } else {
                int own = code[p] >= 0 ? ruleCost[code[p]] : 1;
                cost[p] = CompiledGrammar.addCost(own, cost[p + 1]);
            }
        }
        return cost;
    }

    private GrammarException error(int offset, String message) {
        if (offset < 0) {
            return new GrammarException(message);
        }
        int[] lc = GbnfParser.lineColumn(text.codePoints().toArray(), offset);
        return new GrammarException(lc[0], lc[1], message);
    }
}
