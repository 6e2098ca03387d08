package dev.llmaccel.serving;

import dev.llmaccel.generation.StopReason;
import dev.llmaccel.model.llama.LlamaBatchRunner;
import dev.llmaccel.model.llama.TokenBatch;
import dev.llmaccel.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The engine's step: which sequences run how many rows, in one forward pass, and what happens to
 * their results. Owned by the engine's scheduler thread; its counters are read by others.
 *
 * <p>Each step takes, in order: one decode row for every running sequence that has drawn a token
 * (oldest first; a sequence that needs a new block when none is free preempts the newest running
 * sequence, which gives back its blocks and waits again at the front of the queue); chunks of the
 * prompts still running (oldest first) up to the step's token budget; then new sequences from the
 * queue (first come, first served) while the budget, the running cap and the free blocks allow.
 * Admission takes the blocks of a prompt's whole length at once (after reusing cached prefix
 * blocks) and leaves one free block per running sequence, so that a prompt admitted now does not
 * preempt the others a step later.
 */
final class Scheduler {
    private final LlamaBatchRunner runner;
    private final BlockPool pool;
    private final EngineConfig config;
    private final int contextSize;
    private final int vocab;
    private final Consumer<Sequence> onLeftQueue;
    private final ArrayDeque<Sequence> waiting = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>();

    // counters: written by the scheduler thread only, read by Engine.stats()
    volatile int waitingCount;
    volatile int runningCount;
    volatile int blocksFree;
    volatile int blocksCached;
    volatile long completed;
    volatile long cancelled;
    volatile long failed;
    volatile long promptTokens;
    volatile long cachedPromptTokens;
    volatile long generatedTokens;
    volatile long preemptions;
    volatile long steps;
    volatile long stepNanos;

    /**
     * @param onLeftQueue told once of each submitted sequence when it first leaves the queue
     *     (admitted, or ended while waiting); preempted sequences that wait again are not counted twice
     */
    Scheduler(LlamaBatchRunner runner, BlockPool pool, EngineConfig config, int contextSize, Consumer<Sequence> onLeftQueue) {
        this.runner = runner;
        this.pool = pool;
        this.config = config;
        this.contextSize = contextSize;
        this.vocab = runner.config().vocabSize();
        this.onLeftQueue = onLeftQueue;
        publish();
    }

    void enqueue(Sequence s) {
        waiting.addLast(s);
        waitingCount = waiting.size();
    }

    boolean idle() {
        return waiting.isEmpty() && running.isEmpty();
    }

    /** Ends every sequence, queued or running, as cancelled (the engine is closing). */
    void cancelAll() {
        for (Sequence s : new ArrayList<>(running)) {
            finish(s, StopReason.CANCELLED);
        }
        for (Sequence s : new ArrayList<>(waiting)) {
            finish(s, StopReason.CANCELLED);
        }
        publish();
    }

    /** Runs one step (if any sequence can make progress). */
    void step() {
        long t0 = System.nanoTime();
        endCancelled();
        List<Sequence> scheduled = new ArrayList<>();
        List<Integer> rows = new ArrayList<>();
        int budget = config.stepTokens();
        for (int i = 0; i < running.size(); i++) {
            Sequence s = running.get(i);
            if (s.pending() == 1 && reserve(s, s.length())) {
                scheduled.add(s);
                rows.add(1);
                budget--;
            }
        }
        for (Sequence s : running) {
            if (s.pending() > 1 && budget > 0) {
                int n = Math.min(s.pending(), budget);
                scheduled.add(s);
                rows.add(n);
                budget -= n;
            }
        }
        while (budget > 0 && running.size() < config.maxRunningSequences() && !waiting.isEmpty() && admit(waiting.peekFirst())) {
            Sequence s = running.get(running.size() - 1);
            int n = Math.min(s.pending(), budget);
            scheduled.add(s);
            rows.add(n);
            budget -= n;
        }
        if (!scheduled.isEmpty()) {
            run(scheduled, rows);
            steps++;
            stepNanos += System.nanoTime() - t0;
        }
        publish();
    }

    // ---- admission and blocks ----------------------------------------------------------------------

    /** Admits the queue's head if the pool can hold it: cached prefix blocks first, then new ones. */
    private boolean admit(Sequence s) {
        int bs = pool.blockSize();
        int[] shared = pool.acquirePrefix(s.tokenArray(), (s.length() - 1) / bs);
        int need = (s.length() + bs - 1) / bs - shared.length;
        if (pool.free() - need < running.size()) {
            for (int i = shared.length - 1; i >= 0; i--) {
                pool.release(shared[i]);
            }
            return false;
        }
        waiting.pollFirst();
        waitingCount = waiting.size();
        for (int b : shared) {
            s.addBlock(b);
        }
        s.computed = shared.length * bs;
        s.sealedBlocks = shared.length;
        s.lastHash = shared.length == 0 ? 0 : pool.hash(shared[shared.length - 1]);
        for (int i = 0; i < need; i++) {
            s.addBlock(pool.allocate());
        }
        if (s.cachedPromptTokens < 0) {
            s.cachedPromptTokens = Math.min(s.computed, s.promptLength);
            promptTokens += s.promptLength;
            cachedPromptTokens += s.cachedPromptTokens;
            onLeftQueue.accept(s);
        }
        running.add(s);
        return true;
    }

    /**
     * Gives s blocks for tokens positions, preempting the newest running sequences while none is
     * free. False when s itself was the newest and was preempted.
     */
    private boolean reserve(Sequence s, int tokens) {
        while (s.blockCount() * pool.blockSize() < tokens) {
            int b = pool.allocate();
            if (b >= 0) {
                s.addBlock(b);
                continue;
            }
            Sequence victim = running.get(running.size() - 1);
            preempt(victim);
            if (victim == s) {
                return false;
            }
        }
        return true;
    }

    /** Gives back s's blocks (full ones stay cached) and queues it again at the front, to be recomputed. */
    private void preempt(Sequence s) {
        running.remove(s);
        releaseBlocks(s);
        s.preemptions++;
        preemptions++;
        waiting.addFirst(s);
        waitingCount = waiting.size();
    }

    private void releaseBlocks(Sequence s) {
        for (int i = s.blockCount() - 1; i >= 0; i--) {  // the tail first: the prefix stays cached longest
            pool.release(s.block(i));
        }
        s.dropBlocks();
    }

    // ---- the pass ------------------------------------------------------------------------------------

    private void run(List<Sequence> scheduled, List<Integer> rowCounts) {
        List<Sequence> sampled = new ArrayList<>();
        try (Tensor logits = runner.forward(batch(scheduled, rowCounts, sampled))) {
            for (int j = 0; j < scheduled.size(); j++) {
                Sequence s = scheduled.get(j);
                s.computed += rowCounts.get(j);
                seal(s);
            }
            for (int i = 0; i < sampled.size(); i++) {
                Sequence s = sampled.get(i);
                try (Tensor rowLogits = logits.rows(i, 1); Tensor flat = rowLogits.view(vocab)) {
                    next(s, flat);
                } catch (RuntimeException e) {
                    fail(s, e);
                }
            }
        } catch (RuntimeException e) {
            // the pass itself failed: its sequences cannot go on, the others (and the engine) can
            for (Sequence s : scheduled) {
                if (running.contains(s)) {
                    fail(s, e);
                }
            }
        }
    }

    /**
     * The rows of a pass: rowCounts[j] rows of scheduled[j] from its first uncomputed position;
     * the sequences whose rows reach their last token go to sampled, in the order of the logit rows.
     */
    private TokenBatch batch(List<Sequence> scheduled, List<Integer> rowCounts, List<Sequence> sampled) {
        int total = rowCounts.stream().mapToInt(Integer::intValue).sum();
        int maxBlocks = scheduled.stream().mapToInt(Sequence::blockCount).max().getAsInt();
        int[] tokens = new int[total];
        int[] sequenceOfRow = new int[total];
        int[] positions = new int[total];
        int[] tables = new int[scheduled.size() * maxBlocks];
        Arrays.fill(tables, -1);
        List<Integer> logitRows = new ArrayList<>();
        int row = 0;
        for (int j = 0; j < scheduled.size(); j++) {
            Sequence s = scheduled.get(j);
            int n = rowCounts.get(j);
            for (int b = 0; b < s.blockCount(); b++) {
                tables[j * maxBlocks + b] = s.block(b);
            }
            checkWritable(s, s.computed, s.computed + n);
            for (int i = 0; i < n; i++) {
                tokens[row] = s.token(s.computed + i);
                sequenceOfRow[row] = j;
                positions[row] = s.computed + i;
                row++;
            }
            if (s.computed + n == s.length()) {
                logitRows.add(row - 1);
                sampled.add(s);
            }
        }
        return new TokenBatch(tokens, sequenceOfRow, positions, tables, maxBlocks,
                logitRows.stream().mapToInt(Integer::intValue).toArray());
    }

    /** A sequence writes only blocks of its own that are not sealed: shared prefix blocks are read-only. */
    private void checkWritable(Sequence s, int from, int to) {
        int bs = pool.blockSize();
        for (int b = from / bs; b <= (to - 1) / bs; b++) {
            int id = s.block(b);
            if (pool.references(id) != 1 || pool.isSealed(id)) {
                throw new IllegalStateException("scheduler error: sequence " + s.id + " would write shared block " + id);
            }
        }
    }

    /** Seals the sequence's blocks that became full, so that later prompts can reuse them. */
    private void seal(Sequence s) {
        int bs = pool.blockSize();
        while ((s.sealedBlocks + 1) * bs <= s.computed) {
            s.lastHash = pool.seal(s.block(s.sealedBlocks), s.lastHash, s.tokenArray(), s.sealedBlocks * bs);
            s.sealedBlocks++;
        }
    }

    /** Draws s's next token from its logits and hands it on; ends s when the token ends it. */
    private void next(Sequence s, Tensor logits) {
        StopReason before = s.continuation.mustStop();  // a limit of 0 tokens, a grammar complete from the start
        if (before != null) {
            finish(s, before);
            return;
        }
        int token = s.continuation.sample(logits);
        int counted = s.continuation.generated();
        String text = s.continuation.accept(token);
        if (s.continuation.generated() > counted) {  // an output token (an end token is not)
            s.append(token);
            generatedTokens++;
            if (s.firstToken < 0) {
                s.firstToken = System.nanoTime();
            }
            if (s.continuation.stopReason() == null && s.computed == contextSize) {
                text += s.continuation.stop(StopReason.CONTEXT_FULL);
            }
            s.delivery.token(token, text);
        } else if (!text.isEmpty()) {
            s.delivery.token(-1, text);
        }
        if (s.continuation.stopReason() != null) {
            finish(s, s.continuation.stopReason());
        }
    }

    // ---- endings -------------------------------------------------------------------------------------

    private void endCancelled() {
        for (Sequence s : new ArrayList<>(running)) {
            if (s.cancelRequested.get()) {
                finish(s, StopReason.CANCELLED);
            }
        }
        for (Sequence s : new ArrayList<>(waiting)) {
            if (s.cancelRequested.get()) {
                finish(s, StopReason.CANCELLED);
            }
        }
    }

    /** Ends s (releasing its blocks) with reason; its listener gets the text still held back, then the completion. */
    private void finish(Sequence s, StopReason reason) {
        detach(s);
        String rest = s.continuation.stop(reason);
        if (!rest.isEmpty()) {
            s.delivery.token(-1, rest);
        }
        if (s.continuation.stopReason() == StopReason.CANCELLED) {
            cancelled++;
        } else {
            completed++;
        }
        s.delivery.complete(completion(s));
    }

    private void fail(Sequence s, Throwable error) {
        detach(s);
        failed++;
        s.delivery.error(error);
    }

    private void detach(Sequence s) {
        if (running.remove(s)) {
            releaseBlocks(s);
        } else if (waiting.remove(s)) {
            waitingCount = waiting.size();
            if (s.cachedPromptTokens < 0) {
                onLeftQueue.accept(s);  // never admitted: it leaves the queue all the same
            }
        }
    }

    private Completion completion(Sequence s) {
        long now = System.nanoTime();
        Usage usage = new Usage(s.promptLength, Math.max(0, s.cachedPromptTokens), s.generatedCount);
        return new Completion(s.id, s.continuation.text(), s.generatedTokens(), s.continuation.stopReason(), usage,
                s.firstToken < 0 ? -1 : s.firstToken - s.submitted, now - s.submitted, s.preemptions);
    }

    private void publish() {
        runningCount = running.size();
        waitingCount = waiting.size();
        blocksFree = pool.free();
        blocksCached = pool.cached();
    }
}
