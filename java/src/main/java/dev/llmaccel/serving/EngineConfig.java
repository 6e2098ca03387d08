package dev.llmaccel.serving;

/**
 * Limits and sizes of an {@link Engine}.
 *
 * @param maxRunningSequences sequences decoded together at most (the batch of a decode step)
 * @param maxQueuedRequests requests waiting for admission at most; a submission beyond is
 *     rejected ({@link RequestRejectedException})
 * @param kvCacheTokens tokens the paged key/value cache holds, over all sequences (rounded up to
 *     whole blocks); its memory is layers × 2 × kvHeads × headDim × 4 bytes per token
 * @param blockSize tokens per cache block: the unit of allocation and of prefix reuse
 * @param stepTokens tokens one forward pass runs at most: a decode row per running sequence, the
 *     rest filled with chunks of pending prompts (so a long prompt delays the others by one chunk
 *     at most); at least maxRunningSequences
 * @param contextSize tokens one sequence holds at most (prompt and generated), capped by the
 *     model's context length; at most kvCacheTokens
 * @param prefixCaching whether full blocks are kept and shared by prompts that start alike
 */
public record EngineConfig(int maxRunningSequences, int maxQueuedRequests, int kvCacheTokens, int blockSize,
        int stepTokens, int contextSize, boolean prefixCaching) {

    public EngineConfig {
        if (maxRunningSequences < 1) {
            throw new IllegalArgumentException("max running sequences must be >= 1, got " + maxRunningSequences);
        }
        if (maxQueuedRequests < 1) {
            throw new IllegalArgumentException("max queued requests must be >= 1 (every request waits in the queue until"
                    + " a step admits it), got " + maxQueuedRequests);
        }
        if (blockSize < 1 || blockSize > 1024) {
            throw new IllegalArgumentException("block size must be in [1, 1024], got " + blockSize);
        }
        if (kvCacheTokens < blockSize) {
            throw new IllegalArgumentException("the KV cache must hold at least one block of " + blockSize
                    + " tokens, got " + kvCacheTokens);
        }
        if (stepTokens < maxRunningSequences) {
            throw new IllegalArgumentException("step tokens (" + stepTokens + ") must be >= max running sequences ("
                    + maxRunningSequences + "): every running sequence decodes a token per step");
        }
        if (contextSize < 1) {
            throw new IllegalArgumentException("context size must be >= 1, got " + contextSize);
        }
        if (contextSize > kvCacheTokens) {
            throw new IllegalArgumentException("context size " + contextSize + " exceeds the KV cache of "
                    + kvCacheTokens + " tokens: one sequence could never fit");
        }
    }

    /**
     * 16 running sequences, 1024 queued requests, a cache of 8192 tokens in blocks of 16, steps of
     * up to 512 tokens, contexts of up to 4096 tokens, prefix caching on.
     */
    public static EngineConfig defaults() {
        return new EngineConfig(16, 1024, 8192, 16, 512, 4096, true);
    }

    public EngineConfig withMaxRunningSequences(int n) {
        return new EngineConfig(n, maxQueuedRequests, kvCacheTokens, blockSize, Math.max(stepTokens, n), contextSize,
                prefixCaching);
    }

    public EngineConfig withMaxQueuedRequests(int n) {
        return new EngineConfig(maxRunningSequences, n, kvCacheTokens, blockSize, stepTokens, contextSize, prefixCaching);
    }

    public EngineConfig withKvCacheTokens(int n) {
        return new EngineConfig(maxRunningSequences, maxQueuedRequests, n, blockSize, stepTokens, Math.min(contextSize, n),
                prefixCaching);
    }

    public EngineConfig withBlockSize(int n) {
        return new EngineConfig(maxRunningSequences, maxQueuedRequests, kvCacheTokens, n, stepTokens, contextSize,
                prefixCaching);
    }

    public EngineConfig withStepTokens(int n) {
        return new EngineConfig(maxRunningSequences, maxQueuedRequests, kvCacheTokens, blockSize, n, contextSize,
                prefixCaching);
    }

    public EngineConfig withContextSize(int n) {
        return new EngineConfig(maxRunningSequences, maxQueuedRequests, kvCacheTokens, blockSize, stepTokens, n,
                prefixCaching);
    }

    public EngineConfig withPrefixCaching(boolean on) {
        return new EngineConfig(maxRunningSequences, maxQueuedRequests, kvCacheTokens, blockSize, stepTokens, contextSize,
                on);
    }
}
