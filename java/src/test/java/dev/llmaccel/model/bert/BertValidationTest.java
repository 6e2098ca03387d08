package dev.llmaccel.model.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.Backends;
import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Malformed configuration values and NaN outputs are errors, never silently a default or "NaN" (issue 14 items 4, 5). */
class BertValidationTest {
    @TempDir
    Path dir;

    @Test
    void aLayerNormEpsilonThatIsNotANumberIsRefused() throws IOException {
        Path model = new TinyBert(3).writeSafetensors(dir.resolve("eps"), DType.F32, "");
        Path config = model.resolve("config.json");
        String json = Files.readString(config);
        assertTrue(json.contains("\"layer_norm_eps\":"), json);
        for (String bad : new String[] {"\"nan\"", "\"1e-5\"", "-1", "1e400", "null"}) {
            Files.writeString(config, json.replaceAll("\"layer_norm_eps\":[^,}]*", "\"layer_norm_eps\":" + bad));
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> BertConfig.fromHuggingFace(config), bad);
            assertTrue(e.getMessage().contains("'layer_norm_eps' is"), e.getMessage());
        }
        Files.writeString(config, json.replaceAll(",?\"layer_norm_eps\":[^,}]*", ""));
        assertEquals(1e-12f, BertConfig.fromHuggingFace(config).layerNormEps());  // absent: transformers' default
    }

    @Test
    void nanWeightsGiveAnErrorNotNanEmbeddings() throws IOException {
        TinyBert bert = new TinyBert(4);
        bert.params.get("encoder.layer.1.output.dense.weight")[5] = Float.NaN;
        Path model = bert.writeSafetensors(dir.resolve("nan"), DType.F32, "");
        try (Backend cpu = Backends.cpu(); BertModel m = BertModel.load(model, cpu)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.meanPooled(new int[][] {{1, 2, 3}}));
            assertTrue(e.getMessage().startsWith("embedding contains NaN"), e.getMessage());
        }
    }
}
