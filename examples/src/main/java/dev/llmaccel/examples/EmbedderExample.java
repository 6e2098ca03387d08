package dev.llmaccel.examples;

import dev.llmaccel.model.bert.Embedder;
import java.io.IOException;
import java.util.List;

/** README "Sentence embeddings": the default model (artifact llmaccel-all-minilm-l6-v2) on a few sentences. */
public final class EmbedderExample {
    private EmbedderExample() {}

    public static void main(String[] args) throws IOException {
        List<float[]> vs = run();
        System.out.printf("%d vectors of %d values%n", vs.size(), vs.get(0).length);
    }

    static List<float[]> run() throws IOException {
        // README: Sentence embeddings
        List<String> texts = List.of("A cat sits on the mat.", "A kitten lies on a rug.", "Interest rates rose.");
        List<float[]> vs;
        try (Embedder embedder = Embedder.load()) {                  // all-MiniLM-L6-v2 on the best backend
            float[] v = embedder.embed("A cat sits on the mat.");    // 384 values, unit length
            vs = embedder.embedAll(texts);                           // length-sorted, padded batches of 32
        }
        // README: end
        return vs;
    }
}
