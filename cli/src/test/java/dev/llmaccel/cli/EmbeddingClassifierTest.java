package dev.llmaccel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class EmbeddingClassifierTest {
    private static float[] unit(double angle) {
        return new float[] {(float) Math.cos(angle), (float) Math.sin(angle)};
    }

    @Test
    void centroidAndKnnOnVectorsAroundTheCircle() {
        // "east" around 0 rad, "north" around pi/2; one "north" outlier close to east
        List<float[]> v = List.of(unit(0), unit(0.1), unit(-0.1), unit(1.5), unit(1.6), unit(1.7), unit(0.05));
        List<String> l = List.of("east", "east", "east", "north", "north", "north", "north");
        EmbeddingClassifier centroid = EmbeddingClassifier.train(EmbeddingClassifier.Method.CENTROID, 1, v, l);
        assertEquals("east", centroid.predict(unit(0.2)));
        assertEquals("north", centroid.predict(unit(1.2)));
        EmbeddingClassifier nearest = EmbeddingClassifier.train(EmbeddingClassifier.Method.KNN, 1, v, l);
        assertEquals("north", nearest.predict(unit(0.052)), "1-NN follows the outlier");
        EmbeddingClassifier five = EmbeddingClassifier.train(EmbeddingClassifier.Method.KNN, 5, v, l);
        assertEquals("east", five.predict(unit(0.052)), "5-NN outvotes it");
        // a 1-1 tie between the two labels goes to the more similar one
        EmbeddingClassifier two = EmbeddingClassifier.train(EmbeddingClassifier.Method.KNN, 2,
                List.of(unit(0), unit(1)), List.of("a", "b"));
        assertEquals("b", two.predict(unit(0.6)));
    }

    @Test
    void refusesBadTrainingData() {
        assertThrows(IllegalArgumentException.class,
                () -> EmbeddingClassifier.train(EmbeddingClassifier.Method.KNN, 3, List.of(unit(0)), List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> EmbeddingClassifier.train(EmbeddingClassifier.Method.KNN, 0, List.of(unit(0)), List.of("a")));
    }
}
