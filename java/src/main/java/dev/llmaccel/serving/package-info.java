/**
 * Many conversations on one model: an {@link dev.llmaccel.serving.Engine} decodes every running
 * request together (one forward pass per step over all of them, so the weights are read once per
 * step for the whole batch), admits new requests between steps (continuous batching), splits long
 * prompts into chunks (chunked prefill), keeps keys and values in a paged cache of fixed-size
 * blocks and reuses the blocks of shared prompt prefixes.
 *
 * <pre>{@code
 * try (Engine engine = Engine.start(model, tokenizer, template, EngineConfig.defaults())) {
 *     RequestHandle h = engine.submit(CompletionRequest.ofMessages(
 *             List.of(ChatMessage.user("Hello")), GenerationOptions.greedy(64)),
 *             new TokenListener() {
 *                 public void onToken(int token, String text) { System.out.print(text); }
 *             });
 *     Completion c = h.join();
 * }
 * }</pre>
 */
package dev.llmaccel.serving;
