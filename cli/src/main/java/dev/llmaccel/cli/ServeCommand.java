package dev.llmaccel.cli;

import dev.llmaccel.model.bert.Embedder;
import dev.llmaccel.server.OpenAiServer;
import dev.llmaccel.server.ServerOptions;
import dev.llmaccel.serving.Engine;
import dev.llmaccel.serving.EngineConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code llmaccel serve}: an OpenAI-compatible HTTP server ({@link OpenAiServer}) on the batching
 * engine, until SIGINT or SIGTERM; then it stops taking connections, lets running requests finish
 * and exits 0. One line per request goes to stderr.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve the model over HTTP with OpenAI's API: /v1/chat/completions, /v1/completions,",
            "/v1/embeddings (with --embedding-model), /v1/models, /health, /metrics. Ctrl-C (or SIGTERM)",
            "drains running requests and exits."})
final class ServeCommand implements Callable<Integer> {
    /** Jetty's log (through SLF4J to java.util.logging): warnings only unless --verbose; held so the level sticks. */
    private static final Logger JETTY_LOG = Logger.getLogger("org.eclipse.jetty");

    @Spec
    CommandSpec spec;

    @ParentCommand
    Main main;

    @Mixin
    ModelOption model;

    @Mixin
    BackendOptions backend;

    @Option(names = "--embedding-model", paramLabel = "PATH|default",
            description = "also answer /v1/embeddings with this BERT model (safetensors folder, GGUF or ONNX file), or"
                    + " 'default' for the built-in all-MiniLM-L6-v2")
    String embeddingModel;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "address to listen on (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 for every interface)")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080", description = "TCP port (default: ${DEFAULT-VALUE}; 0 picks a free one)")
    int port;

    @Option(names = {"-np", "--parallel"}, paramLabel = "N", defaultValue = "8",
            description = "requests decoded together at most; more wait in the queue (default: ${DEFAULT-VALUE})")
    int parallel;

    @Option(names = "--kv-cache-tokens", paramLabel = "N",
            description = "tokens the paged KV cache holds over all requests (default: the context size)")
    Integer kvCacheTokens;

    @Option(names = "--queue", paramLabel = "N", defaultValue = "256",
            description = "requests waiting at most; beyond, a request is answered 429 (default: ${DEFAULT-VALUE})")
    int queue;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "require 'Authorization: Bearer KEY' on /v1/... (default: the LLMACCEL_API_KEY environment"
                    + " variable, else no key)")
    String apiKey;

    @Option(names = "--alias", paramLabel = "NAME", description = "the model's name in the API (default: the file's name)")
    String alias;

    @Option(names = "--max-body-bytes", paramLabel = "N", defaultValue = "8388608",
            description = "largest request body; larger ones are answered 413 (default: ${DEFAULT-VALUE})")
    long maxBodyBytes;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (parallel < 1) {
            throw new IllegalArgumentException("--parallel must be >= 1, got " + parallel);
        }
        JETTY_LOG.setLevel(main.verbose ? Level.INFO : Level.WARNING);
        String key = apiKey != null ? apiKey : System.getenv("LLMACCEL_API_KEY");
        ServerOptions options = ServerOptions.defaults().withHost(host).withPort(port).withApiKey(key)
                .withMaxBodyBytes(maxBodyBytes);  // checks the values before the model loads
        LoadedModel m = model.open(backend, err, main.progress());
        int context = model.contextFor(m.model.config(), err);
        EngineConfig config = EngineConfig.defaults().withMaxRunningSequences(parallel).withMaxQueuedRequests(queue)
                .withKvCacheTokens(kvCacheTokens == null ? context : kvCacheTokens).withContextSize(context);
        String source = m.templateSourceOrChatMl(err, "chat completions use ChatML");
        Embedder embedder = null;
        Engine engine = null;
        try {
            if (embeddingModel != null) {
                embedder = embeddingModel.equals("default") ? Embedder.load() : Embedder.load(Path.of(embeddingModel));
            }
            engine = Engine.start(m.model, m.tokenizer, m.template(source), config);
            String name = alias != null ? alias : m.path.getFileName().toString();
            OpenAiServer server = OpenAiServer.start(engine, name, embedder, options, line -> err.println("llmaccel: " + line));
            Engine running = engine;
            Embedder embeddings = embedder;
            // SIGINT/SIGTERM run the hooks: drain, free, and end with 0 (the JVM's own status would be 130/143)
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                err.println("llmaccel: stopping: letting running requests finish");
                err.flush();
                server.close();
                running.close();
                if (embeddings != null) {
                    embeddings.close();
                }
                m.close();
                err.println("llmaccel: stopped");
                err.flush();
                Runtime.getRuntime().halt(0);
            }, "llmaccel-serve-shutdown"));
            err.printf("llmaccel: serving %s%s on %s (%d in parallel, context %d, KV cache %d tokens%s)%n", name,
                    embedder == null ? "" : " and " + embedder.modelName(), server.baseUri(), parallel, context,
                    config.kvCacheTokens(), key == null ? "" : ", API key required");
            server.join();
            return 0;
        } catch (RuntimeException | java.io.IOException | InterruptedException e) {
            if (engine != null) {
                engine.close();
            }
            if (embedder != null) {
                embedder.close();
            }
            m.close();
            throw e;
        }
    }
}
