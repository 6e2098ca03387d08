package dev.llmaccel.generation;

import dev.llmaccel.grammar.TokenVocabulary;
import dev.llmaccel.model.llama.LlamaSession;
import dev.llmaccel.tokenizer.Tokenizer;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Continues prompts with a {@link LlamaSession}: tokenizes, runs the prompt, samples token after
 * token and streams the text, until an end token, a stop string, the token limit, the end of the
 * context or a cancellation (see {@link StopReason}).
 *
 * <p>The session is kept between calls, so a prompt that extends the previous one (a chat's next
 * turn) only runs its new tokens. One generation runs at a time; {@link #cancel()} may be called
 * from any thread.
 *
 * <pre>{@code
 * Generator generator = new Generator(model.newSession(2048), tokenizer);
 * GenerationResult r = generator.generate("Once upon a time", GenerationOptions.greedy(64), System.out::print);
 * System.out.println("\n" + r.stopReason() + ", " + r.tokensPerSecond() + " tokens/s");
 * }</pre>
 */
public final class Generator {
    private final LlamaSession session;
    private final Tokenizer tokenizer;
    private GenerationRun current;
    private TokenVocabulary grammarVocabulary;

    public Generator(LlamaSession session, Tokenizer tokenizer) {
        this.session = Objects.requireNonNull(session, "session");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        if (tokenizer.vocabSize() > session.config().vocabSize()) {
            throw new IllegalArgumentException("the tokenizer has " + tokenizer.vocabSize()
                    + " tokens, more than the model's " + session.config().vocabSize());
        }
    }

    public LlamaSession session() {
        return session;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * The prompt's token ids: special-token texts in it become their ids, and BOS is added as the
     * vocabulary asks unless the text already starts with it (as rendered chat templates do).
     */
    public int[] encode(String prompt) {
        return encodePrompt(tokenizer, prompt);
    }

    /** {@link #encode(String)} with any tokenizer: how every prompt text of this package becomes ids. */
    public static int[] encodePrompt(Tokenizer tokenizer, String prompt) {
        Objects.requireNonNull(tokenizer, "tokenizer");
        Objects.requireNonNull(prompt, "prompt");
        int bos = tokenizer.bosId();
        boolean hasBos = bos >= 0 && !tokenizer.tokenText(bos).isEmpty() && prompt.startsWith(tokenizer.tokenText(bos));
        return tokenizer.encode(prompt, !hasBos, true);
    }

    /**
     * Continues the prompt, passing each piece of text to onText as it becomes final.
     *
     * @param onText receives the generated text piece by piece (never the prompt); may be null
     * @throws IllegalArgumentException when the prompt does not fit in the session's context
     */
    public GenerationResult generate(String prompt, GenerationOptions options, Consumer<String> onText) {
        return generate(encode(prompt), options, onText);
    }

    /** Continues a prompt given as token ids; see {@link #generate(String, GenerationOptions, Consumer)}. */
    public GenerationResult generate(int[] prompt, GenerationOptions options, Consumer<String> onText) {
        GenerationRun run = start(prompt, options);
        try {
            for (String piece = run.step(); piece != null; piece = run.step()) {
                if (onText != null && !piece.isEmpty()) {
                    onText.accept(piece);
                }
            }
            return run.result();
        } finally {
            release(run);
        }
    }

    /**
     * Continues the prompt lazily: each {@link TokenStream#next()} runs the model until the next
     * piece of text. Close the stream to stop early.
     */
    public TokenStream stream(String prompt, GenerationOptions options) {
        return stream(encode(prompt), options);
    }

    /** {@link #stream(String, GenerationOptions)} for a prompt given as token ids. */
    public TokenStream stream(int[] prompt, GenerationOptions options) {
        GenerationRun run = start(prompt, options);
        return new TokenStream(run, () -> release(run));
    }

    /** Stops the generation in progress before its next token (its result says CANCELLED). */
    public void cancel() {
        GenerationRun run;
        synchronized (this) {
            run = current;
        }
        if (run != null) {
            run.cancel();
        }
    }

    private synchronized GenerationRun start(int[] prompt, GenerationOptions options) {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(options, "options");
        if (current != null) {
            throw new IllegalStateException("a generation is still running on this generator (finish or close its stream)");
        }
        if (options.grammar() != null && grammarVocabulary == null) {
            grammarVocabulary = TokenVocabulary.of(tokenizer);  // once per generator: the trie of every token's bytes
        }
        current = new GenerationRun(session, tokenizer, prompt, options, options.grammar() == null ? null : grammarVocabulary);
        return current;
    }

    private synchronized void release(GenerationRun run) {
        if (current == run) {
            current = null;
        }
    }
}
