package dev.llmaccel.model.bert;

import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.format.onnx.OnnxModel;
import dev.llmaccel.format.onnx.OnnxNode;
import dev.llmaccel.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * A BERT model exported to ONNX by PyTorch (as Hugging Face Optimum and the LangChain4j embedding
 * artifacts do): biases, norms and embeddings are initializers under their Hugging Face names;
 * each linear weight is an anonymous initializer ({@code onnx::MatMul_787}) stored (in, out),
 * found through the MatMul node that reads it ({@code /encoder/layer.0/attention/self/query/MatMul})
 * and transposed to (out, in).
 *
 * <p>The configuration comes from a config.json beside the model (or one folder up, the Hugging
 * Face layout {@code onnx/model.onnx}); without one it is read off the graph: sizes from the
 * tensors' shapes, the head size from the constant that scales the attention scores
 * ({@code sqrt(headDim)}), the layer-norm epsilon from the constant the first norm adds.
 */
final class OnnxBertCheckpoint extends BertCheckpoint {
    /** The linear modules of a layer, as Hugging Face names them. */
    private static final Set<String> LINEAR_MODULES = Set.of("attention.self.query", "attention.self.key",
            "attention.self.value", "attention.output.dense", "intermediate.dense", "output.dense");

    private final OnnxModel model;

    OnnxBertCheckpoint(OnnxModel model, BertConfig config, TokenizerJson tokenizer) {
        super(config, tokenizer.tokenizer(), tokenizer.maxTokens(config.maxPositions()));
        this.model = model;
    }

    /** Opens path, with tokenizer.json (required) and config.json (optional) beside it or one folder up. */
    static OnnxBertCheckpoint open(Path path) throws IOException {
        Path tokenizerJson = besideOrAbove(path, "tokenizer.json");
        if (tokenizerJson == null) {
            throw new ModelFormatException(path + ": no tokenizer.json beside the model or one folder up");
        }
        Path configJson = besideOrAbove(path, "config.json");
        OnnxModel model = OnnxModel.open(path);
        try {
            BertConfig config = configJson != null ? BertConfig.fromHuggingFace(configJson) : inferConfig(model);
            return new OnnxBertCheckpoint(model, config, TokenizerJson.read(tokenizerJson));
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }




    @Override
    String description() {
        return "ONNX " + model.path();
    }

    @Override
    Tensor parameter(String name) throws IOException {
        String module = linearModule(name);
        if (module == null) {
            return model.tensor(name);
        }
        // "encoder.layer.3.attention.self.query.weight" -> node "/encoder/layer.3/attention/self/query/MatMul"
        int layerEnd = name.indexOf('.', "encoder.layer.".length());
        String layer = name.substring("encoder.layer.".length(), layerEnd);
        String nodeName = "/encoder/layer." + layer + "/" + module.replace('.', '/') + "/MatMul";
        OnnxNode node = model.node(nodeName);
        if (node == null || node.inputs().size() != 2 || !model.hasTensor(node.inputs().get(1))) {
            throw new ModelFormatException(model.path() + ": no MatMul node '" + nodeName
                    + "' reading a weight initializer, so '" + name + "' cannot be found");
        }
        return model.tensorTransposed(node.inputs().get(1));
    }

    @Override
    public void close() {
        model.close();
    }

    /** The module of a linear layer's weight name ("attention.self.query"), or null for other names. */
    private static String linearModule(String name) {
        if (!name.startsWith("encoder.layer.") || !name.endsWith(".weight")) {
            return null;
        }
        int layerEnd = name.indexOf('.', "encoder.layer.".length());
        if (layerEnd < 0) {
            return null;
        }
        String module = name.substring(layerEnd + 1, name.length() - ".weight".length());
        return LINEAR_MODULES.contains(module) ? module : null;
    }

    /** The configuration read off the graph, for models shipped without config.json. */
    static BertConfig inferConfig(OnnxModel model) throws ModelFormatException {
        long[] words = model.tensorInfo("embeddings.word_embeddings.weight").dims();
        long[] positions = model.tensorInfo("embeddings.position_embeddings.weight").dims();
        long[] types = model.tensorInfo("embeddings.token_type_embeddings.weight").dims();
        long[] intermediate = model.tensorInfo("encoder.layer.0.intermediate.dense.bias").dims();
        if (words.length != 2 || positions.length != 2 || types.length != 2 || intermediate.length != 1) {
            throw new ModelFormatException(model.path() + ": embedding tables must be matrices");
        }
        int layers = 0;
        while (model.hasTensor("encoder.layer." + layers + ".output.LayerNorm.weight")) {
            layers++;
        }
        int hidden = (int) words[1];
        int headDim = headDimFromScale(model);
        if (headDim <= 0 || hidden % headDim != 0) {
            throw new ModelFormatException(model.path() + ": head size " + headDim + " read off the graph does not divide "
                    + hidden + "; put the model's config.json beside it");
        }
        try {
            return new BertConfig((int) words[0], hidden, layers, hidden / headDim, (int) intermediate[0],
                    (int) positions[0], (int) types[0], layerNormEps(model));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(model.path() + ": " + e.getMessage());
        }
    }

    /** headDim from the scores' divisor sqrt(headDim) in the first layer's attention. */
    private static int headDimFromScale(OnnxModel model) throws ModelFormatException {
        OnnxNode div = model.node("/encoder/layer.0/attention/self/Div");
        if (div == null || div.inputs().size() != 2 || !model.hasTensor(div.inputs().get(1))) {
            throw new ModelFormatException(model.path() + ": cannot tell the number of attention heads from the graph"
                    + " (no constant divisor of the attention scores); put the model's config.json beside it");
        }
        float[] c = model.floats(div.inputs().get(1));
        if (c.length != 1) {
            throw new ModelFormatException(model.path() + ": the attention score divisor is not a scalar");
        }
        double square = (double) c[0] * c[0];
        long headDim = Math.round(square);
        if (Math.abs(square - headDim) > 1e-3 * Math.max(1, headDim)) {
            throw new ModelFormatException(model.path() + ": attention score divisor " + c[0] + " is not sqrt of a head size");
        }
        return (int) headDim;
    }

    /** The epsilon the embedding LayerNorm adds to the variance, or BERT's 1e-12 when the graph does not show one. */
    private static float layerNormEps(OnnxModel model) throws ModelFormatException {
        OnnxNode add = model.node("/embeddings/LayerNorm/Add");
        if (add != null) {
            for (String input : add.inputs()) {
                if (model.hasTensor(input)) {
                    float[] eps = model.floats(input);
                    if (eps.length == 1) {
                        return eps[0];
                    }
                }
            }
        }
        return 1e-12f;
    }

    private static Path besideOrAbove(Path model, String name) {
        Path dir = model.toAbsolutePath().getParent();
        for (int up = 0; up < 2 && dir != null; up++, dir = dir.getParent()) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }
}
