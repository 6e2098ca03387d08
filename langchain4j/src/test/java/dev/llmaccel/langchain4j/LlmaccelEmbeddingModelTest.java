package dev.llmaccel.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.store.embedding.EmbeddingMatch;
import dev.langchain4j.store.embedding.EmbeddingSearchRequest;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The model inside LangChain4j's own machinery: its in-memory store's add and search. */
class LlmaccelEmbeddingModelTest {
    private static LlmaccelEmbeddingModel model;

    @BeforeAll
    static void load() {
        model = new LlmaccelEmbeddingModel();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static final List<String> DOCUMENTS = List.of(
            "The Eiffel Tower is a wrought-iron lattice tower in Paris.",
            "Photosynthesis lets plants turn sunlight into chemical energy.",
            "The central bank raised interest rates to fight inflation.",
            "A good sourdough needs a lively starter and a long, slow rise.",
            "The goalkeeper saved a penalty in the final minute.",
            "Restarting your router can fix a slow internet connection.");

    @Test
    void rightDocumentRanksFirstInTheInMemoryStore() {
        InMemoryEmbeddingStore<TextSegment> store = new InMemoryEmbeddingStore<>();
        List<TextSegment> segments = DOCUMENTS.stream().map(TextSegment::from).toList();
        List<Embedding> embeddings = model.embedAll(segments).content();
        assertEquals(DOCUMENTS.size(), embeddings.size());
        store.addAll(embeddings, segments);
        String[][] queries = {
                {"How do plants get energy from the sun?", DOCUMENTS.get(1)},
                {"Which landmark stands in the French capital?", DOCUMENTS.get(0)},
                {"My wifi is slow, what should I do?", DOCUMENTS.get(5)},
                {"How do I bake bread at home?", DOCUMENTS.get(3)},
                {"Why did borrowing get more expensive?", DOCUMENTS.get(2)}};
        for (String[] q : queries) {
            List<EmbeddingMatch<TextSegment>> matches = store.search(EmbeddingSearchRequest.builder()
                    .queryEmbedding(model.embed(q[0]).content()).maxResults(3).build()).matches();
            assertEquals(q[1], matches.get(0).embedded().text(), q[0]);
            assertTrue(matches.get(0).score() > matches.get(1).score(), q[0]);
        }
    }

    @Test
    void describesItself() {
        EmbeddingModel m = model;
        assertEquals(384, m.dimension());
        assertEquals("all-MiniLM-L6-v2", m.modelName());
        Embedding e = m.embed("hello").content();
        assertEquals(384, e.dimension());
        double norm = 0;
        for (float v : e.vector()) {
            norm += v * v;
        }
        assertEquals(1.0, norm, 1e-5);
        assertEquals(0, m.embedAll(List.of()).content().size());
        assertThrows(NullPointerException.class, () -> m.embedAll(null));
    }
}
