package dev.llmaccel.serving;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Hands one request's events to its listener in order, on the engine's callback threads: the
 * scheduler posts and never waits; at most one callback thread drains a request at a time. A
 * listener that throws from onToken ends the request there (onError with its exception, the
 * future exceptional, later events dropped) and asks the scheduler to cancel it.
 */
final class Delivery {
    private final TokenListener listener;
    private final CompletableFuture<Completion> future;
    private final Executor executor;
    private final Runnable cancel;
    private final ConcurrentLinkedQueue<Runnable> events = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private boolean ended;  // only touched by the draining thread

    Delivery(TokenListener listener, CompletableFuture<Completion> future, Executor executor, Runnable cancel) {
        this.listener = listener == null ? new TokenListener() {} : listener;
        this.future = future;
        this.executor = executor;
        this.cancel = cancel;
    }

    void token(int token, String text) {
        post(() -> {
            try {
                listener.onToken(token, text);
            } catch (RuntimeException | Error e) {
                cancel.run();
                fail(e);
            }
        });
    }

    void complete(Completion completion) {
        post(() -> {
            ended = true;
            try {
                listener.onComplete(completion);
                future.complete(completion);
            } catch (RuntimeException | Error e) {
                future.completeExceptionally(e);
            }
        });
    }

    void error(Throwable error) {
        post(() -> fail(error));
    }

    private void fail(Throwable error) {
        ended = true;
        try {
            listener.onError(error);
        } catch (RuntimeException | Error ignored) {
            // the request has failed already; what onError throws has nowhere further to go
        } finally {
            future.completeExceptionally(error);
        }
    }

    private void post(Runnable event) {
        events.add(event);
        schedule();
    }

    private void schedule() {
        if (draining.compareAndSet(false, true)) {
            try {
                executor.execute(this::drain);
            } catch (RejectedExecutionException e) {
                drain();  // the engine's callback threads are gone (closed): deliver here
            }
        }
    }

    private void drain() {
        for (Runnable e = events.poll(); e != null; e = events.poll()) {
            if (!ended) {
                e.run();
            }
        }
        draining.set(false);
        if (!events.isEmpty()) {
            schedule();
        }
    }
}
