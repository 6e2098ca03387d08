package dev.llmaccel.serving;

/**
 * A snapshot of an {@link Engine}, for metrics and tests. Counters run from the engine's start.
 *
 * @param queued requests submitted and not admitted yet (preempted ones waiting again not counted)
 * @param running sequences in the running set
 * @param blocksTotal blocks in the KV cache
 * @param blocksFree blocks no sequence holds (cached prefix blocks included: they are reclaimed on demand)
 * @param blocksCached free blocks that still hold a reusable prefix
 * @param blockSize tokens per block
 * @param submitted requests accepted
 * @param completed requests that ended normally (any stop reason but cancellation)
 * @param cancelled requests that ended cancelled
 * @param failed requests that ended with an error
 * @param rejected submissions refused (queue full or engine closed)
 * @param promptTokens prompt tokens of admitted requests
 * @param cachedPromptTokens prompt tokens served from the prefix cache
 * @param generatedTokens tokens generated
 * @param preemptions times a running sequence gave its blocks back to be recomputed later
 * @param steps forward passes run
 * @param stepNanos time spent in steps (forward pass and sampling)
 */
public record EngineStats(int queued, int running, int blocksTotal, int blocksFree, int blocksCached, int blockSize,
        long submitted, long completed, long cancelled, long failed, long rejected, long promptTokens,
        long cachedPromptTokens, long generatedTokens, long preemptions, long steps, long stepNanos) {}
