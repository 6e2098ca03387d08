package dev.llmaccel.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.data.embedding.Embedding;
import dev.llmaccel.SharedFiles;
import dev.llmaccel.generation.GenerationResult;
import dev.llmaccel.generation.StopReason;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each README example runs and computes what the README says it does. */
class ExamplesTest {
    @Test
    void tensors() {
        float[] y = TensorsExample.run();
        assertEquals(256, y.length);
        for (float v : y) {
            assertTrue(Float.isFinite(v));
        }
    }

    @Test
    void ops() {
        OpsExample.Result r = OpsExample.run();
        assertEquals(64, r.sentence().length);
        double norm = 0;
        for (float v : r.sentence()) {
            norm += v * v;
        }
        assertEquals(1.0, Math.sqrt(norm), 1e-4);
        assertEquals(5 * 4 * 16, r.attended().length);
        assertTrue(r.next() >= 0 && r.next() < 512, "token " + r.next());
        assertEquals(r.next(), OpsExample.run().next(), "seeded: the same token again");
    }

    @Test
    void generation() throws IOException {
        SharedFiles.require("models/aidreams260K/aidreams260K.gguf");  // the example opens it from the repository's root
        GenerationResult r = GenerationExample.run();
        assertEquals(StopReason.MAX_TOKENS, r.stopReason());
        assertTrue(r.text().startsWith(", pixels unfolding like petals."), r.text());  // llama.cpp's greedy text
    }

    @Test
    void structuredOutput() throws IOException {
        SharedFiles.require("models/aidreams260K/aidreams260K.gguf");
        StructuredOutputExample.Result r = StructuredOutputExample.run();
        assertTrue(r.answer().equals("yes.") || r.answer().equals("no."), r.answer());
        JsonNode person = new ObjectMapper().readTree(r.json());
        assertTrue(person.isObject(), r.json());
        assertTrue(person.get("name").isTextual() && person.get("name").asText().codePointCount(0, person.get("name").asText().length()) <= 20, r.json());
        assertTrue(person.get("age").canConvertToLong() && person.get("age").asLong() >= 0, r.json());
        assertEquals(2, person.size(), r.json());
    }

    @Test
    void sentenceEmbeddings() throws IOException {
        List<float[]> vs = EmbedderExample.run();
        assertEquals(3, vs.size());
        assertEquals(384, vs.get(0).length);
        assertTrue(dot(vs.get(0), vs.get(1)) > dot(vs.get(0), vs.get(2)), "cat/kitten closer than cat/rates");
    }

    @Test
    void langChain4j() {
        Embedding e = LangChain4jExample.run();
        assertEquals(384, e.dimension());
        assertFalse(Float.isNaN(e.vector()[0]));
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }
}
