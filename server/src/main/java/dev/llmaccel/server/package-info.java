/**
 * An HTTP server with OpenAI's wire format on llmaccel's serving {@link dev.llmaccel.serving.Engine}
 * and sentence {@link dev.llmaccel.model.bert.Embedder}: {@code POST /v1/chat/completions} and
 * {@code /v1/completions} (streamed as server-sent events on request), {@code POST /v1/embeddings},
 * {@code GET /v1/models}, {@code /health} and {@code /metrics}. Start one with
 * {@link dev.llmaccel.server.OpenAiServer#start}.
 */
package dev.llmaccel.server;
