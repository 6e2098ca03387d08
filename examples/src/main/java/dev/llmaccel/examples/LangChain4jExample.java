package dev.llmaccel.examples;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.llmaccel.langchain4j.LlmaccelEmbeddingModel;

/** README "LangChain4j": llmaccel's EmbeddingModel where LangChain4j's AllMiniLmL6V2EmbeddingModel would be. */
public final class LangChain4jExample {
    private LangChain4jExample() {}

    public static void main(String[] args) {
        System.out.println(run().dimension() + " dimensions");
    }

    static Embedding run() {
        // README: LangChain4j
        Embedding e;
        try (LlmaccelEmbeddingModel model = new LlmaccelEmbeddingModel()) {  // was: new AllMiniLmL6V2EmbeddingModel()
            EmbeddingModel embeddings = model;                                 // a LangChain4j EmbeddingModel
            e = embeddings.embed("A cat sits on the mat.").content();          // 384 dimensions
        }
        // README: end
        return e;
    }
}
