package dev.llmaccel.format.onnx;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.llmaccel.FuzzFiles;
import dev.llmaccel.format.ModelFormatException;
import java.io.IOException;

/**
 * Coverage-guided fuzzing of the ONNX protobuf reader: any bytes either open (and every
 * initializer then reads, or is refused as the wrong type) or are refused with a
 * ModelFormatException.
 */
class OnnxFuzzTest {
    @FuzzTest(maxDuration = "10m")
    void open(byte[] data) throws IOException {
        try (OnnxModel m = OnnxModel.open(FuzzFiles.write(".onnx", data))) {
            for (OnnxNode node : m.nodes()) {
                for (String output : node.outputs()) {
                    m.consumers(output);
                }
            }
            for (OnnxTensorInfo t : m.initializers()) {
                OnnxModelTest.readAny(m, t.name());
            }
        } catch (ModelFormatException refused) {
            // the only other outcome allowed
        }
    }
}
