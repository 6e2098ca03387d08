package dev.llmaccel.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmaccel.model.bert.Embedder;
import dev.llmaccel.serving.Engine;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * An HTTP server with OpenAI's wire format on a serving {@link Engine} (and optionally a sentence
 * {@link Embedder}), on Jetty 12:
 *
 * <ul>
 *   <li>{@code POST /v1/chat/completions}, {@code POST /v1/completions}: whole, or streamed as
 *       server-sent events with {@code "stream": true};
 *   <li>{@code POST /v1/embeddings} (404 when the server has no embedder);
 *   <li>{@code GET /v1/models}, {@code GET /v1/models/{id}};
 *   <li>{@code GET /health} and {@code GET /metrics} (Prometheus text), which need no API key.
 * </ul>
 *
 * Errors come in OpenAI's shape with their status: 400 for a malformed request or a prompt longer
 * than the context, 401 for a missing or wrong key, 404 for an unknown route or model, 413 for a
 * body over the limit, 429 when the engine's queue is full, 503 while shutting down. Every request
 * is logged as one line (method, route, status, tokens, milliseconds).
 *
 * <pre>{@code
 * try (OpenAiServer server = OpenAiServer.start(engine, "my-model", null, ServerOptions.defaults(), System.err::println)) {
 *     server.join();
 * }
 * }</pre>
 *
 * <p>The server does not own the engine or the embedder: close the server first, then them.
 */
public final class OpenAiServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("dev.llmaccel.server");

    private final Server jetty;
    private final ServerConnector connector;
    private final ServerOptions options;
    private final Router router;

    private OpenAiServer(Server jetty, ServerConnector connector, ServerOptions options, Router router) {
        this.jetty = jetty;
        this.connector = connector;
        this.options = options;
        this.router = router;
    }

    /**
     * Binds and starts serving.
     *
     * @param modelName the name clients ask for in {@code model} (a request naming another is a 404)
     * @param embedder answers {@code /v1/embeddings}; null for none
     * @param requestLog receives one line per request; null for none
     * @throws IOException when the address cannot be bound
     */
    public static OpenAiServer start(Engine engine, String modelName, Embedder embedder, ServerOptions options,
            Consumer<String> requestLog) throws IOException {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(options, "options");
        QueuedThreadPool threads = new QueuedThreadPool(256, 8);
        threads.setName("llmaccel-http");
        Server jetty = new Server(threads);
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost(options.host());
        connector.setPort(options.port());
        connector.setIdleTimeout(10 * 60_000L);  // a whole (non-streamed) completion may take minutes
        jetty.addConnector(connector);
        Router router = new Router(engine, modelName, embedder, options, requestLog == null ? line -> {} : requestLog);
        jetty.setHandler(router);
        try {
            jetty.start();
        } catch (IOException e) {
            stopQuietly(jetty);
            throw new IOException("cannot listen on " + options.host() + ":" + options.port() + ": " + e.getMessage(), e);
        } catch (Exception e) {
            stopQuietly(jetty);
            throw new IllegalStateException("cannot start the HTTP server: " + e.getMessage(), e);
        }
        return new OpenAiServer(jetty, connector, options, router);
    }

    private static void stopQuietly(Server jetty) {
        try {
            jetty.stop();
        } catch (Exception e) {
            LOG.log(Level.FINE, "stopping a server that did not start", e);
        }
    }

    /** The port it listens on (the one picked when the options asked for 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** {@code http://host:port/v1}: the base URL OpenAI clients take. */
    public URI baseUri() {
        return URI.create("http://" + options.host() + ":" + port() + "/v1");
    }

    /** Waits until the server has stopped. */
    public void join() throws InterruptedException {
        jetty.join();
    }

    /**
     * Stops taking connections and answers new requests on open ones 503, lets running requests
     * finish (up to the drain timeout; then they are cut off) and stops. Idempotent.
     */
    @Override
    public void close() {
        connector.shutdown();  // no new connections
        router.drain(options.drainTimeout().toNanos());
        try {
            jetty.stop();
        } catch (Exception e) {
            LOG.log(Level.WARNING, "the HTTP server did not stop cleanly", e);
        }
    }

    /** Routes, checks the key, answers errors in OpenAI's shape, logs and counts each request. */
    private static final class Router extends Handler.Abstract {
        private final String modelName;
        private final ServerOptions options;
        private final Consumer<String> requestLog;
        private final byte[] apiKey;
        private final Completions completions;
        private final Embeddings embeddings;
        private final ServerMetrics metrics;
        private final Object activity = new Object();
        private int active;        // guarded by activity: requests in handle()
        private boolean draining;  // guarded by activity

        Router(Engine engine, String modelName, Embedder embedder, ServerOptions options, Consumer<String> requestLog) {
            this.modelName = modelName;
            this.options = options;
            this.requestLog = requestLog;
            this.apiKey = options.apiKey() == null ? null : ("Bearer " + options.apiKey()).getBytes(StandardCharsets.UTF_8);
            this.completions = new Completions(engine, modelName);
            this.embeddings = embedder == null ? null : new Embeddings(embedder);
            this.metrics = new ServerMetrics(engine);
        }

        /** Refuses new requests, then waits until the running ones have ended or the time is up. */
        void drain(long timeoutNanos) {
            long deadline = System.nanoTime() + timeoutNanos;
            boolean interrupted = false;
            synchronized (activity) {
                draining = true;
                for (long left = timeoutNanos; active > 0 && left > 0; left = deadline - System.nanoTime()) {
                    try {
                        activity.wait(Math.max(1, left / 1_000_000));
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (active > 0) {
                    LOG.warning(active + " requests still running after the drain timeout: they are cut off");
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            boolean refused;
            synchronized (activity) {
                refused = draining;
                if (!refused) {
                    active++;
                }
            }
            try {
                if (refused) {
                    respondError(new Exchange(request, response, options.maxBodyBytes()), new ApiException(503,
                            "server_error", null, "shutting_down", "the server is shutting down"), callback);
                } else {
                    answer(request, response, callback);
                }
            } finally {
                if (!refused) {
                    synchronized (activity) {
                        active--;
                        activity.notifyAll();
                    }
                }
            }
            return true;
        }

        private void answer(Request request, Response response, Callback callback) {
            long start = System.nanoTime();
            String method = request.getMethod();
            String path = request.getHttpURI().getPath();
            Exchange ex = new Exchange(request, response, options.maxBodyBytes());
            String route = "other";
            try {
                route = route(method, path, ex);
                callback.succeeded();
            } catch (ApiException e) {
                respondError(ex, e, callback);
            } catch (IOException e) {
                ex.status = 499;  // the client went away mid-response (nginx's code for it, in the log only)
                callback.failed(e);
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, method + " " + path + " failed", e);
                respondError(ex, new ApiException(500, "server_error", null, null,
                        "the server failed: " + e.getMessage()), callback);
            }
            metrics.request(route, ex.status);
            requestLog.accept(String.format(Locale.ROOT, "%s %s %d tokens=%d+%d %.1f ms", method, path, ex.status,
                    ex.promptTokens, ex.completionTokens, (System.nanoTime() - start) / 1e6));
        }

        private static void respondError(Exchange ex, ApiException e, Callback callback) {
            try {
                ex.error(e);
                callback.succeeded();
            } catch (IOException | RuntimeException io) {
                ex.status = e.status;
                callback.failed(io);
            }
        }

        /** Answers the request; returns the route's name for the metrics. */
        private String route(String method, String path, Exchange ex) throws IOException {
            switch (path) {
                case "/health":
                    requireMethod("GET", method);
                    ex.json(200, Exchange.JSON.createObjectNode().put("status", "ok"));
                    return path;
                case "/metrics":
                    requireMethod("GET", method);
                    ex.text(200, metrics.contentType(), metrics.scrape());
                    return path;
                default:
                    break;
            }
            if (!path.startsWith("/v1/")) {
                throw ApiException.notFound("unknown_route", "no route " + method + " " + path);
            }
            authorize(ex.request);
            switch (path) {
                case "/v1/chat/completions":
                    requireMethod("POST", method);
                    completions.handle(Completions.Kind.CHAT, ex);
                    return path;
                case "/v1/completions":
                    requireMethod("POST", method);
                    completions.handle(Completions.Kind.TEXT, ex);
                    return path;
                case "/v1/embeddings":
                    requireMethod("POST", method);
                    if (embeddings == null) {
                        throw ApiException.notFound("model_not_found", "this server has no embedding model"
                                + " (start it with --embedding-model)");
                    }
                    embeddings.handle(ex);
                    return path;
                case "/v1/models":
                    requireMethod("GET", method);
                    ObjectNode list = Exchange.JSON.createObjectNode().put("object", "list");
                    ArrayNode data = list.putArray("data");
                    data.add(model(modelName));
                    if (embeddings != null) {
                        data.add(model(embeddings.modelName()));
                    }
                    ex.json(200, list);
                    return path;
                default:
                    if (path.startsWith("/v1/models/")) {
                        requireMethod("GET", method);
                        String id = path.substring("/v1/models/".length());
                        if (!id.equals(modelName) && (embeddings == null || !id.equals(embeddings.modelName()))) {
                            throw ApiException.notFound("model_not_found", "the model \"" + id + "\" does not exist");
                        }
                        ex.json(200, model(id));
                        return "/v1/models/{id}";
                    }
                    throw ApiException.notFound("unknown_route", "no route " + method + " " + path);
            }
        }

        private static ObjectNode model(String id) {
            ObjectNode m = Exchange.JSON.createObjectNode();
            m.put("id", id);
            m.put("object", "model");
            m.put("created", 0);
            m.put("owned_by", "llmaccel");
            return m;
        }

        private static void requireMethod(String expected, String method) {
            if (!expected.equals(method)) {
                throw new ApiException(405, "invalid_request_error", null, "method_not_allowed",
                        "this route takes " + expected + ", not " + method);
            }
        }

        /** A 401 unless the request carries the key; compared in constant time. */
        private void authorize(Request request) {
            if (apiKey == null) {
                return;
            }
            String given = request.getHeaders().get(HttpHeader.AUTHORIZATION);
            if (given == null || !MessageDigest.isEqual(apiKey, given.getBytes(StandardCharsets.UTF_8))) {
                throw new ApiException(401, "invalid_request_error", null, "invalid_api_key",
                        given == null ? "an API key is required: send Authorization: Bearer KEY"
                                : "the API key is not valid");
            }
        }
    }
}
