package dev.llmaccel.serving;

import dev.llmaccel.generation.ChatTemplate;
import dev.llmaccel.generation.Continuation;
import dev.llmaccel.generation.Generator;
import dev.llmaccel.generation.PromptTooLongException;
import dev.llmaccel.generation.StopReason;
import dev.llmaccel.grammar.TokenVocabulary;
import dev.llmaccel.model.llama.LlamaBatchRunner;
import dev.llmaccel.model.llama.LlamaModel;
import dev.llmaccel.tensor.Device;
import dev.llmaccel.tokenizer.Tokenizer;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Serves many requests on one model at once: a scheduler thread decodes every running request
 * together, one forward pass per step over all of them (so each step reads the weights once for
 * the whole batch), admits queued requests between steps, runs long prompts in chunks and keeps
 * keys and values in a paged cache whose full blocks are shared by prompts that start alike. With
 * greedy sampling (or the same seed) a request gets exactly the tokens it would get alone: the
 * kernels give each row of a batch the bits it gets alone (see
 * {@link dev.llmaccel.model.llama.LlamaBatchRunner}).
 *
 * <p>Every method is thread-safe. Listeners are called on the engine's callback threads, in
 * order per request, never on the scheduler thread (see {@link TokenListener}). The engine does
 * not own the model: close the engine first, then the model.
 *
 * <pre>{@code
 * try (Engine engine = Engine.start(model, tokenizer, template, EngineConfig.defaults())) {
 *     Completion c = engine.submit(CompletionRequest.ofText("Once upon a time", GenerationOptions.greedy(32))).join();
 *     System.out.println(c.text() + " (" + c.usage() + ", " + c.stopReason() + ")");
 * }
 * }</pre>
 */
public final class Engine implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("dev.llmaccel");

    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final EngineConfig config;
    private final int contextSize;
    private final LlamaBatchRunner runner;
    private final Scheduler scheduler;
    private final ExecutorService callbacks;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Sequence> inbox = new ConcurrentLinkedQueue<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private boolean signalled;           // guarded by lock
    private volatile boolean closing;    // set under lock
    private final AtomicLong nextId = new AtomicLong();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong submitted = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private volatile TokenVocabulary vocabulary;  // built by the first request with a grammar

    private Engine(LlamaModel model, Tokenizer tokenizer, ChatTemplate template, EngineConfig config, int contextSize,
            LlamaBatchRunner runner) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.template = template;
        this.config = config;
        this.contextSize = contextSize;
        this.runner = runner;
        BlockPool pool = new BlockPool(runner.cache().blocks(), config.blockSize(), config.prefixCaching());
        this.scheduler = new Scheduler(runner, pool, config, contextSize, s -> queued.decrementAndGet());
        AtomicInteger callbackThreads = new AtomicInteger();
        this.callbacks = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "llmaccel-engine-callbacks-" + callbackThreads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.thread = new Thread(this::loop, "llmaccel-engine");
        thread.setDaemon(true);
    }

    /**
     * Allocates the paged key/value cache and the batch buffers, and starts the scheduler thread.
     *
     * @param template renders message requests; null when the engine takes only tokens and text
     * @throws IllegalArgumentException when the tokenizer does not fit the model, or the cache
     *     would not fit in this machine's memory
     */
    public static Engine start(LlamaModel model, Tokenizer tokenizer, ChatTemplate template, EngineConfig config) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(tokenizer, "tokenizer");
        Objects.requireNonNull(config, "config");
        if (tokenizer.vocabSize() > model.config().vocabSize()) {
            throw new IllegalArgumentException("the tokenizer has " + tokenizer.vocabSize() + " tokens, more than the model's "
                    + model.config().vocabSize());
        }
        int contextSize = Math.min(config.contextSize(), model.config().contextLength());
        int blocks = (config.kvCacheTokens() + config.blockSize() - 1) / config.blockSize();
        checkMemory(model, (long) blocks * config.blockSize());
        LlamaBatchRunner runner = model.newBatchRunner(blocks, config.blockSize(), config.stepTokens(),
                config.maxRunningSequences());
        Engine engine;
        try {
            engine = new Engine(model, tokenizer, template, config, contextSize, runner);
        } catch (RuntimeException | Error e) {
            runner.close();
            throw e;
        }
        engine.thread.start();
        return engine;
    }

    /**
     * A cache larger than the host's memory would fail late, or push the machine into swap: refuse
     * it up front. (Device memory is checked by the allocation itself.)
     */
    private static void checkMemory(LlamaModel model, long tokens) {
        long bytes = model.kvCacheBytes(tokens);
        long total = model.backend().device() == Device.CPU ? hostMemoryBytes() : -1;
        if (total > 0 && bytes > total) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "a KV cache of %d tokens needs %.1f GiB, more than this machine's %.1f GiB of memory: lower kvCacheTokens",
                    tokens, bytes / (double) (1L << 30), total / (double) (1L << 30)));
        }
    }

    /** The host's memory (Linux's MemTotal), or -1 when it cannot be read. */
    private static long hostMemoryBytes() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;  // "MemTotal:  16318412 kB"
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux, or an unusual /proc: the allocation will tell
        }
        return -1;
    }

    /** Submits a request without a listener; see {@link #submit(CompletionRequest, TokenListener)}. */
    public RequestHandle submit(CompletionRequest request) {
        return submit(request, null);
    }

    /**
     * Queues a request. Its prompt is rendered and tokenized here, on the caller's thread.
     *
     * @param listener told of each token and of the end, on the engine's callback threads; may be null
     * @throws IllegalArgumentException when the prompt is empty or holds an id outside the model's
     *     vocabulary, or messages come without a chat template; {@link PromptTooLongException} (an
     *     IllegalArgumentException) with both lengths when the prompt does not fit in {@link #contextSize()}
     * @throws RequestRejectedException when the queue is full or the engine is closed
     */
    public RequestHandle submit(CompletionRequest request, TokenListener listener) {
        Objects.requireNonNull(request, "request");
        int[] prompt = encode(request);
        long id = nextId.getAndIncrement();
        CompletableFuture<Completion> result = new CompletableFuture<>();
        AtomicBoolean cancel = new AtomicBoolean();
        Runnable cancelNow = () -> {
            if (cancel.compareAndSet(false, true)) {
                wake();
            }
        };
        Delivery delivery = new Delivery(listener, result, callbacks, cancelNow);
        // each generated token but the last is run: a sequence ends when its context is full
        Continuation continuation = new Continuation(tokenizer, model.backend(), model.config().vocabSize(), prompt,
                request.options(), request.options().grammar() == null ? null : vocabulary(),
                contextSize - prompt.length + 1);
        Sequence s = new Sequence(id, prompt, continuation, delivery, cancel, System.nanoTime());
        lock.lock();
        try {
            if (closing) {
                rejected.incrementAndGet();
                throw new RequestRejectedException(RequestRejectedException.Reason.CLOSED, "the engine is closed");
            }
            if (queued.incrementAndGet() > config.maxQueuedRequests()) {
                queued.decrementAndGet();
                rejected.incrementAndGet();
                throw new RequestRejectedException(RequestRejectedException.Reason.QUEUE_FULL, config.maxQueuedRequests()
                        + " requests are already waiting; try again later");
            }
            submitted.incrementAndGet();
            inbox.add(s);
            signalled = true;
            work.signal();
        } finally {
            lock.unlock();
        }
        return new RequestHandle(id, prompt.length, result, cancelNow);
    }

    /** The tokenizer's tokens as grammars match them: built once, by the first request that has a grammar. */
    private TokenVocabulary vocabulary() {
        TokenVocabulary v = vocabulary;
        if (v == null) {
            synchronized (this) {
                v = vocabulary;
                if (v == null) {
                    v = TokenVocabulary.of(tokenizer);
                    vocabulary = v;
                }
            }
        }
        return v;
    }

    /**
     * The prompt tokens a request runs: its tokens as given, its text tokenized (BOS added as the
     * vocabulary asks), or its messages rendered with the chat template and tokenized.
     *
     * @throws IllegalArgumentException as {@link #submit(CompletionRequest, TokenListener)} does
     */
    public int[] encode(CompletionRequest request) {
        Objects.requireNonNull(request, "request");
        int[] prompt;
        if (request.promptTokens() != null) {
            prompt = request.promptTokens();
        } else if (request.promptText() != null) {
            prompt = Generator.encodePrompt(tokenizer, request.promptText());
        } else {
            if (template == null) {
                throw new IllegalArgumentException("this engine has no chat template: submit text or tokens");
            }
            prompt = Generator.encodePrompt(tokenizer, template.render(request.messages(), true));
        }
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens");
        }
        int vocab = model.config().vocabSize();
        for (int i = 0; i < prompt.length; i++) {
            if (prompt[i] < 0 || prompt[i] >= vocab) {
                throw new IllegalArgumentException("prompt token " + prompt[i] + " at " + i + " outside [0, " + vocab + ")");
            }
        }
        if (prompt.length > contextSize) {
            throw new PromptTooLongException(prompt.length, contextSize, "raise EngineConfig.contextSize");
        }
        return prompt;
    }

    /** A snapshot of the queue, the running set, the cache and the counters. */
    public EngineStats stats() {
        Scheduler s = scheduler;
        return new EngineStats(queued.get(), s.runningCount, runner.cache().blocks(), s.blocksFree, s.blocksCached,
                config.blockSize(), submitted.get(), s.completed, s.cancelled, s.failed, rejected.get(), s.promptTokens,
                s.cachedPromptTokens, s.generatedTokens, s.preemptions, s.steps, s.stepNanos);
    }

    public EngineConfig config() {
        return config;
    }

    public LlamaModel model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The chat template of message requests, or null. */
    public ChatTemplate template() {
        return template;
    }

    /** Tokens one sequence holds at most: the config's context size, capped by the model's context length. */
    public int contextSize() {
        return contextSize;
    }

    /**
     * Refuses new requests, ends every queued and running one as cancelled (their listeners are
     * told), stops the scheduler thread and frees the cache. Idempotent; returns when the thread
     * has stopped.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            closing = true;
            signalled = true;
            work.signal();
        } finally {
            lock.unlock();
        }
        if (Thread.currentThread() == thread) {
            return;  // never: no user code runs on the scheduler thread
        }
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        callbacks.shutdown();
        try {
            callbacks.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- the scheduler thread ------------------------------------------------------------------------

    private void loop() {
        try {
            while (!closing) {
                for (Sequence s = inbox.poll(); s != null; s = inbox.poll()) {
                    scheduler.enqueue(s);
                }
                if (scheduler.idle()) {
                    awaitWork();
                    continue;
                }
                scheduler.step();
            }
        } catch (RuntimeException | Error e) {
            LOG.log(Level.SEVERE, "the engine's scheduler stopped: every pending request is cancelled", e);
            lock.lock();
            try {
                closing = true;
            } finally {
                lock.unlock();
            }
        } finally {
            for (Sequence s = inbox.poll(); s != null; s = inbox.poll()) {
                scheduler.enqueue(s);
            }
            scheduler.cancelAll();
            runner.close();
        }
    }

    private void awaitWork() {
        lock.lock();
        try {
            while (!signalled) {
                work.awaitUninterruptibly();
            }
            signalled = false;
        } finally {
            lock.unlock();
        }
    }

    private void wake() {
        lock.lock();
        try {
            signalled = true;
            work.signal();
        } finally {
            lock.unlock();
        }
    }
}
