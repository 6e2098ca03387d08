package dev.llmaccel.serving;

import dev.llmaccel.generation.Continuation;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request inside the engine: its tokens (the prompt, then what it generated), how many of
 * them have keys and values in the cache, the blocks that hold them (its block table), and the
 * text side of its generation. Owned by the scheduler thread, except for the cancellation flag.
 */
final class Sequence {
    final long id;
    final Delivery delivery;
    final Continuation continuation;
    final int promptLength;
    final long submitted;  // System.nanoTime()
    final AtomicBoolean cancelRequested;  // set from any thread

    private int[] tokens;
    private int length;
    /** Positions [0, computed) have their keys and values in the cache. */
    int computed;
    private int[] blocks = new int[8];
    private int blockCount;
    /** Leading blocks sealed as prefix blocks (or found sealed at admission), and the last one's hash. */
    int sealedBlocks;
    long lastHash;
    /** Prompt tokens found in the prefix cache at the first admission; -1 before it. */
    int cachedPromptTokens = -1;
    int preemptions;
    long firstToken = -1;  // System.nanoTime() of the first generated token
    int[] generated = new int[16];
    int generatedCount;

    Sequence(long id, int[] prompt, Continuation continuation, Delivery delivery, AtomicBoolean cancelRequested,
            long submitted) {
        this.id = id;
        this.cancelRequested = cancelRequested;
        this.tokens = Arrays.copyOf(prompt, prompt.length + 16);
        this.length = prompt.length;
        this.promptLength = prompt.length;
        this.continuation = continuation;
        this.delivery = delivery;
        this.submitted = submitted;
    }

    /** Tokens held: prompt and generated. */
    int length() {
        return length;
    }

    int token(int position) {
        return tokens[position];
    }

    /** The tokens array itself (valid up to length()); for hashing blocks without a copy. */
    int[] tokenArray() {
        return tokens;
    }

    /** Rows the sequence still has to run before its next token can be drawn. */
    int pending() {
        return length - computed;
    }

    void append(int token) {
        if (length == tokens.length) {
            tokens = Arrays.copyOf(tokens, tokens.length * 2);
        }
        tokens[length++] = token;
        if (generatedCount == generated.length) {
            generated = Arrays.copyOf(generated, generated.length * 2);
        }
        generated[generatedCount++] = token;
    }

    int blockCount() {
        return blockCount;
    }

    int block(int i) {
        return blocks[i];
    }

    void addBlock(int b) {
        if (blockCount == blocks.length) {
            blocks = Arrays.copyOf(blocks, blocks.length * 2);
        }
        blocks[blockCount++] = b;
    }

    /** Forgets every block (the caller releases them first) and what they held. */
    void dropBlocks() {
        blockCount = 0;
        computed = 0;
        sealedBlocks = 0;
        lastHash = 0;
    }

    int[] generatedTokens() {
        return Arrays.copyOf(generated, generatedCount);
    }
}
