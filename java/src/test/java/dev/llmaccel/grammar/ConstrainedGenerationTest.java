package dev.llmaccel.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.backend.CpuBackend;
import dev.llmaccel.backend.SamplingParams;
import dev.llmaccel.backend.cuda.CudaProbe;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.generation.GenerationOptions;
import dev.llmaccel.generation.GenerationResult;
import dev.llmaccel.generation.Generator;
import dev.llmaccel.generation.StopReason;
import dev.llmaccel.model.llama.LlamaModel;
import dev.llmaccel.model.llama.LlamaSession;
import dev.llmaccel.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Generation under a JSON Schema on a random-weight model: whatever garbage the model would
 * sample, 1000 seeded runs per schema (samplers rotating) all write JSON that parses and that
 * networknt's validator (draft 2020-12, formats asserted) finds valid, within the token limit.
 */
class ConstrainedGenerationTest {
    static final int SEEDS = 1000;

    @TempDir
    static Path dir;
    static Tokenizer tokenizer;
    static Backend cpu;
    static GgufFile gguf;
    static LlamaModel model;
    static int threads;
    static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    static final SchemaRegistry VALIDATORS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            b -> b.schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));

    @BeforeAll
    static void load() throws IOException {
        Path file = JsonTestModel.model(dir, 11);
        tokenizer = JsonTestModel.tokenizer(file);
        cpu = Backends.cpu();
        // a 32-wide model gains nothing from a second thread but the cost of handing work over
        threads = CpuBackend.threads();
        CpuBackend.setThreads(1);
        gguf = GgufFile.open(file);
        model = LlamaModel.fromGguf(gguf, cpu);
    }

    @AfterAll
    static void close() {
        model.close();
        gguf.close();
        CpuBackend.setThreads(threads);
    }

    /** Test schemas and the token limit each run gets (room for the shortest valid document and more). */
    static Stream<Arguments> schemas() {
        return Stream.of(
                Arguments.of("person", """
                        {"type": "object", "properties": {
                           "name": {"type": "string", "minLength": 1, "maxLength": 12},
                           "age": {"type": "integer", "minimum": 0, "maximum": 120},
                           "email": {"type": "string"},
                           "tags": {"type": "array", "items": {"enum": ["a", "b", "c"]}, "maxItems": 3}},
                         "required": ["name", "age"]}""", 40),
                Arguments.of("formats", """
                        {"type": "object", "properties": {
                           "day": {"type": "string", "format": "date"},
                           "id": {"type": "string", "format": "uuid"},
                           "at": {"type": "string", "format": "date-time"},
                           "t": {"type": "string", "format": "time"}},
                         "required": ["day", "id"]}""", 80),
                Arguments.of("alternatives", """
                        {"anyOf": [{"type": "string", "pattern": "^[A-Z]{2}-\\\\d{3}$"}, {"type": "number", "minimum": 0},
                                   {"const": "none"}, {"type": "null"}, {"type": "boolean"}]}""", 24),
                Arguments.of("tree", """
                        {"$defs": {"node": {"type": "object", "properties": {
                           "v": {"type": "integer", "minimum": -5, "maximum": 5},
                           "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}, "maxItems": 2}},
                         "required": ["v"]}}, "$ref": "#/$defs/node"}""", 48),
                Arguments.of("extra keys", """
                        {"type": "object", "properties": {"a": {"type": "boolean"}, "ab": {"type": "null"}},
                         "additionalProperties": {"type": "integer", "exclusiveMinimum": -3, "exclusiveMaximum": 3}}""", 40),
                Arguments.of("strings", """
                        {"type": "array", "items": {"type": "string", "minLength": 2, "maxLength": 3}, "minItems": 1, "maxItems": 4}""", 40),
                Arguments.of("any value", "{}", 40));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemas")
    void everySeededRunWritesValidJson(String name, String schemaText, int maxTokens) throws IOException {
        Grammar grammar = Grammar.fromJsonSchema(schemaText);
        Schema schema = VALIDATORS.getSchema(schemaText, InputFormat.JSON);
        Set<String> distinct = new HashSet<>();
        List<String> failures = new ArrayList<>();
        try (LlamaSession session = model.newSession(512)) {
            Generator generator = new Generator(session, tokenizer);
            for (int seed = 0; seed < SEEDS; seed++) {
                GenerationOptions options = options(seed, maxTokens).withGrammar(grammar);
                GenerationResult r = generator.generate("seed " + seed, options, null);
                String text = r.text();
                distinct.add(text);
                if (r.stopReason() != StopReason.END_OF_GENERATION && r.stopReason() != StopReason.MAX_TOKENS) {
                    failures.add("seed " + seed + " stopped by " + r.stopReason() + ": " + text);
                    continue;
                }
                try {
                    STRICT.readTree(text);
                } catch (IOException e) {
                    failures.add("seed " + seed + " is not JSON (" + e.getMessage() + "): " + text);
                    continue;
                }
                List<Error> errors = schema.validate(text, InputFormat.JSON);
                if (!errors.isEmpty()) {
                    failures.add("seed " + seed + " is invalid " + errors + ": " + text);
                }
            }
        }
        assertEquals(List.of(), failures.subList(0, Math.min(10, failures.size())), failures.size() + " of " + SEEDS + " runs failed");
        // garbage-sampling makes the runs differ: the grammar, not a fixed answer, keeps them valid
        assertTrue(distinct.size() > SEEDS / 10, () -> "only " + distinct.size() + " distinct outputs");
    }

    /** The sampler rotates with the seed: plain, truncated, penalised, greedy. */
    static GenerationOptions options(int seed, int maxTokens) {
        SamplingParams p = switch (seed % 6) {
            case 0 -> SamplingParams.ofTemperature(1.0f);
            case 1 -> SamplingParams.ofTemperature(0.7f).withTopK(20);
            case 2 -> SamplingParams.ofTemperature(1.2f).withTopP(0.9f);
            case 3 -> SamplingParams.ofTemperature(1.5f).withMinP(0.1f);
            case 4 -> SamplingParams.greedy();
            default -> SamplingParams.ofTemperature(1.0f).withPenalties(1.3f, 0.5f, 0.5f);
        };
        return GenerationOptions.greedy(maxTokens).withSampling(p).withSeed(seed);
    }

    /** Constrained runs on the other backends present follow the grammar too (their logits differ in rounding only). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void masksWorkOnEveryBackend(String backendName) throws IOException {
        Backend other;
        if (backendName.equals("cuda")) {
            CudaProbe.Result probe = CudaProbe.probe();
            Assumptions.assumeTrue(probe.usable(), () -> "skipped: no usable GPU (" + probe.description() + ")");
            other = Backends.named("cuda");
        } else {
            other = Backends.reference();
        }
        Grammar grammar = Grammar.json();
        try (GgufFile file = GgufFile.open(dir.resolve("json-model-11.gguf"));
             LlamaModel m = LlamaModel.fromGguf(file, other);
             LlamaSession s = m.newSession(128)) {
            Generator generator = new Generator(s, tokenizer);
            for (int seed = 0; seed < 24; seed++) {
                String text = generator.generate("seed " + seed, options(seed, 24).withGrammar(grammar), null).text();
                assertTrue(grammar.matches(text), text);
                STRICT.readTree(text);
            }
        }
    }

    static Stream<String> backends() {
        return Stream.of("reference", "cuda");
    }

    @Test
    void aCompleteGrammarEndsTheGenerationWithoutAnEndToken() throws IOException {
        try (LlamaSession session = model.newSession(64)) {
            Generator generator = new Generator(session, tokenizer);
            GenerationOptions options = GenerationOptions.greedy(50).withGrammar(Grammar.parse("root ::= \"ab\" [0-9]"));
            GenerationResult r = generator.generate("x", options, null);
            assertEquals(StopReason.END_OF_GENERATION, r.stopReason());
            assertTrue(r.text().matches("ab[0-9]"), r.text());
        }
    }
}
