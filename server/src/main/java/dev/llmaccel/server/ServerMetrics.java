package dev.llmaccel.server;

import dev.llmaccel.serving.Engine;
import dev.llmaccel.serving.EngineStats;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.function.ToDoubleFunction;

/**
 * The server's Prometheus metrics, one registry per server: HTTP requests by route and status,
 * and the engine's counters and gauges read from {@link Engine#stats()} at each scrape (tokens
 * as counters, so {@code rate(...)} is tokens/s).
 */
final class ServerMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests;
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    ServerMetrics(Engine engine) {
        requests = Counter.builder().name("llmaccel_http_requests").help("HTTP requests answered, by route and status")
                .labelNames("route", "status").register(registry);
        counter(engine, "llmaccel_prompt_tokens", "prompt tokens of admitted requests", EngineStats::promptTokens);
        counter(engine, "llmaccel_cached_prompt_tokens", "prompt tokens served from the prefix cache",
                EngineStats::cachedPromptTokens);
        counter(engine, "llmaccel_generated_tokens", "tokens generated (rate() is tokens/s)", EngineStats::generatedTokens);
        counter(engine, "llmaccel_engine_requests_rejected", "submissions the engine refused (queue full or closed)",
                EngineStats::rejected);
        gauge(engine, "llmaccel_queued_requests", "requests waiting for admission", EngineStats::queued);
        gauge(engine, "llmaccel_running_requests", "sequences decoding together", EngineStats::running);
        gauge(engine, "llmaccel_kv_blocks_total", "blocks of the paged KV cache", EngineStats::blocksTotal);
        gauge(engine, "llmaccel_kv_blocks_used", "KV cache blocks held by sequences",
                s -> s.blocksTotal() - s.blocksFree());
        gauge(engine, "llmaccel_kv_cache_usage_ratio", "fraction of the KV cache held by sequences",
                s -> (s.blocksTotal() - s.blocksFree()) / (double) s.blocksTotal());
    }

    private void counter(Engine engine, String name, String help, ToDoubleFunction<EngineStats> value) {
        CounterWithCallback.builder().name(name).help(help)
                .callback(cb -> cb.call(value.applyAsDouble(engine.stats()))).register(registry);
    }

    private void gauge(Engine engine, String name, String help, ToDoubleFunction<EngineStats> value) {
        GaugeWithCallback.builder().name(name).help(help)
                .callback(cb -> cb.call(value.applyAsDouble(engine.stats()))).register(registry);
    }

    void request(String route, int status) {
        requests.labelValues(route, Integer.toString(status)).inc();
    }

    String contentType() {
        return writer.getContentType();
    }

    byte[] scrape() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writer.write(out, registry.scrape());
        return out.toByteArray();
    }
}
