package dev.llmaccel.server;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmaccel.generation.PromptTooLongException;
import dev.llmaccel.serving.Completion;
import dev.llmaccel.serving.CompletionRequest;
import dev.llmaccel.serving.Engine;
import dev.llmaccel.serving.RequestHandle;
import dev.llmaccel.serving.RequestRejectedException;
import dev.llmaccel.serving.TokenListener;
import dev.llmaccel.serving.Usage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * {@code /v1/chat/completions} and {@code /v1/completions} on the engine: the request is parsed
 * ({@link OpenAiRequests}), submitted, and answered whole or streamed as server-sent events. A
 * stream writes every piece of text that is ready in one chunk and one write, so a client that
 * reads slower than the engine decodes gets fewer, larger chunks instead of a growing backlog;
 * a write that fails (the client has gone) cancels the request, which frees its cache blocks.
 */
final class Completions {
    /** Chat completions or text completions: the two differ only in their JSON. */
    enum Kind {
        CHAT("chatcmpl-", "chat.completion", "chat.completion.chunk"),
        TEXT("cmpl-", "text_completion", "text_completion");

        final String idPrefix;
        final String object;
        final String chunkObject;

        Kind(String idPrefix, String object, String chunkObject) {
            this.idPrefix = idPrefix;
            this.object = object;
            this.chunkObject = chunkObject;
        }
    }

    private static final Object END = new Object();

    private final Engine engine;
    private final String modelName;

    Completions(Engine engine, String modelName) {
        this.engine = engine;
        this.modelName = modelName;
    }

    void handle(Kind kind, Exchange ex) throws IOException {
        ObjectNode body = ex.jsonBody();
        String model = OpenAiRequests.model(body);
        if (model != null && !model.equals(modelName)) {
            throw ApiException.notFound("model_not_found", "the model \"" + model + "\" does not exist; this server serves \""
                    + modelName + "\"");
        }
        CompletionRequest request = kind == Kind.CHAT ? OpenAiRequests.chat(body) : OpenAiRequests.completion(body);
        if (OpenAiRequests.stream(body)) {
            stream(kind, ex, request, OpenAiRequests.includeUsage(body));
        } else {
            RequestHandle handle = submit(request, null);
            Completion c;
            try {
                c = handle.join();
            } catch (CompletionException e) {
                throw new IllegalStateException("the engine failed the request: " + e.getCause().getMessage(), e.getCause());
            }
            count(ex, c);
            ObjectNode out = header(kind, c.id());
            ObjectNode choice = out.putArray("choices").addObject();
            choice.put("index", 0);
            if (kind == Kind.CHAT) {
                ObjectNode message = choice.putObject("message");
                message.put("role", "assistant");
                message.put("content", c.text());
            } else {
                choice.put("text", c.text());
            }
            choice.putNull("logprobs");
            choice.put("finish_reason", finishReason(c));
            usage(out.putObject("usage"), c.usage());
            ex.json(200, out);
        }
    }

    /** Submits, turning the engine's refusals into the client's errors. */
    private RequestHandle submit(CompletionRequest request, TokenListener listener) {
        try {
            return engine.submit(request, listener);
        } catch (PromptTooLongException e) {
            throw new ApiException(400, "invalid_request_error", "messages", "context_length_exceeded", e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(null, e.getMessage());
        } catch (RequestRejectedException e) {
            if (e.reason() == RequestRejectedException.Reason.QUEUE_FULL) {
                throw new ApiException(429, "rate_limit_exceeded", null, "queue_full", e.getMessage());
            }
            throw new ApiException(503, "server_error", null, "shutting_down", e.getMessage());
        }
    }

    private void stream(Kind kind, Exchange ex, CompletionRequest request, boolean includeUsage) throws IOException {
        BlockingQueue<Object> events = new LinkedBlockingQueue<>();  // text pieces, then the Completion or a Throwable
        RequestHandle handle = submit(request, new TokenListener() {
            @Override
            public void onToken(int token, String text) {
                if (!text.isEmpty()) {
                    events.add(text);
                }
            }

            @Override
            public void onComplete(Completion completion) {
                events.add(completion);
            }

            @Override
            public void onError(Throwable error) {
                events.add(error);
            }
        });
        ex.startEvents();
        ChunkWriter chunks = new ChunkWriter(kind, handle.id());
        StringBuilder frames = new StringBuilder();
        if (kind == Kind.CHAT) {
            chunks.delta(frames, "{\"role\":\"assistant\",\"content\":\"\"}", includeUsage);
        }
        List<Object> ready = new ArrayList<>();
        Object end = null;
        try {
            while (end == null) {
                ready.add(take(events));
                events.drainTo(ready);
                StringBuilder text = new StringBuilder();
                for (Object e : ready) {
                    if (e instanceof String piece) {
                        text.append(piece);
                    } else {
                        end = e;
                    }
                }
                ready.clear();
                if (text.length() > 0) {
                    chunks.text(frames, text, includeUsage);
                }
                if (end != null) {
                    chunks.end(frames, end, includeUsage, ex);
                }
                ex.events(frames, end != null);
                frames.setLength(0);
            }
        } catch (IOException e) {
            handle.cancel();  // the client has gone: stop decoding for it, free its blocks
            throw e;
        }
    }

    private static Object take(BlockingQueue<Object> events) {
        try {
            return events.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new IllegalStateException("interrupted while streaming");
        }
    }

    /** The frames of one stream; the fixed part of every chunk is written once and reused. */
    private final class ChunkWriter {
        private final Kind kind;
        private final String prefix;  // data: {"id":...,"choices":[{"index":0,
        private final long id;

        ChunkWriter(Kind kind, long id) {
            this.kind = kind;
            this.id = id;
            ObjectNode header = header(kind, id);
            header.put("object", kind.chunkObject);
            String json = header.toString();
            this.prefix = "data: " + json.substring(0, json.length() - 1) + ",\"choices\":[{\"index\":0,";
        }

        void delta(StringBuilder frames, String delta, boolean includeUsage) {
            frames.append(prefix).append("\"delta\":").append(delta).append(",\"logprobs\":null,\"finish_reason\":null}]");
            close(frames, includeUsage);
        }

        void text(StringBuilder frames, CharSequence text, boolean includeUsage) {
            char[] quoted = JsonStringEncoder.getInstance().quoteAsString(text);
            if (kind == Kind.CHAT) {
                frames.append(prefix).append("\"delta\":{\"content\":\"").append(quoted).append("\"}");
            } else {
                frames.append(prefix).append("\"text\":\"").append(quoted).append('"');
            }
            frames.append(",\"logprobs\":null,\"finish_reason\":null}]");
            close(frames, includeUsage);
        }

        void end(StringBuilder frames, Object end, boolean includeUsage, Exchange ex) {
            if (end instanceof Completion c) {
                count(ex, c);
                frames.append(prefix).append(kind == Kind.CHAT ? "\"delta\":{}" : "\"text\":\"\"")
                        .append(",\"logprobs\":null,\"finish_reason\":\"").append(finishReason(c)).append("\"}]");
                close(frames, includeUsage);
                if (includeUsage) {
                    ObjectNode last = header(kind, id);
                    last.put("object", kind.chunkObject);
                    last.putArray("choices");
                    usage(last.putObject("usage"), c.usage());
                    frames.append("data: ").append(last).append("\n\n");
                }
            } else {
                Throwable t = (Throwable) end;
                ApiException failed = new ApiException(500, "server_error", null, null,
                        "the engine failed the request: " + t.getMessage());
                frames.append("data: ").append(failed.body()).append("\n\n");
            }
            frames.append("data: [DONE]\n\n");
        }

        private void close(StringBuilder frames, boolean includeUsage) {
            frames.append(includeUsage ? ",\"usage\":null}\n\n" : "}\n\n");
        }
    }

    private ObjectNode header(Kind kind, long id) {
        ObjectNode out = Exchange.JSON.createObjectNode();
        out.put("id", kind.idPrefix + id);
        out.put("object", kind.object);
        out.put("created", System.currentTimeMillis() / 1000);
        out.put("model", modelName);
        return out;
    }

    private static void count(Exchange ex, Completion c) {
        ex.promptTokens = c.usage().promptTokens();
        ex.completionTokens = c.usage().completionTokens();
    }

    static void usage(ObjectNode out, Usage u) {
        out.put("prompt_tokens", u.promptTokens());
        out.put("completion_tokens", u.completionTokens());
        out.put("total_tokens", u.totalTokens());
        out.putObject("prompt_tokens_details").put("cached_tokens", u.cachedPromptTokens());
    }

    /** OpenAI's finish reasons: stop (an end token or a stop string), length (the token limit or the context). */
    private static String finishReason(Completion c) {
        return switch (c.stopReason()) {
            case MAX_TOKENS, CONTEXT_FULL -> "length";
            case END_OF_GENERATION, STOP_STRING, CANCELLED -> "stop";
        };
    }
}
