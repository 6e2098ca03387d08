package dev.llmaccel.generation;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The text of a generation piece by piece, computed as it is read: each {@link #next()} runs the
 * model until some text is final. {@link #close()} stops the generation early (its result then
 * says {@link StopReason#CANCELLED}); after the last piece, {@link #result()} sums it up.
 */
public final class TokenStream implements Iterator<String>, AutoCloseable {
    private final GenerationRun run;
    private final Runnable onEnd;
    private String nextPiece;
    private boolean ended;

    TokenStream(GenerationRun run, Runnable onEnd) {
        this.run = run;
        this.onEnd = onEnd;
    }

    @Override
    public boolean hasNext() {
        if (nextPiece != null) {
            return true;
        }
        if (ended) {
            return false;
        }
        try {
            for (String piece = run.step(); piece != null; piece = run.step()) {
                if (!piece.isEmpty()) {
                    nextPiece = piece;
                    return true;
                }
            }
        } catch (RuntimeException e) {
            end();
            throw e;
        }
        end();
        return false;
    }

    @Override
    public String next() {
        if (!hasNext()) {
            throw new NoSuchElementException("the generation has ended");
        }
        String piece = nextPiece;
        nextPiece = null;
        return piece;
    }

    /** How the generation ended; only after the stream is exhausted or closed. */
    public GenerationResult result() {
        return run.result();
    }

    /** Stops the generation (if still running) and frees the generator for the next one. */
    @Override
    public void close() {
        if (!ended) {
            run.cancel();
            while (run.step() != null) {
                // drains to the cancellation, which ends the run before any further token
            }
            end();
        }
    }

    private void end() {
        ended = true;
        onEnd.run();
    }
}
