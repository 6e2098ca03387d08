package dev.llmaccel.format.safetensors;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.llmaccel.FuzzFiles;
import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.tensor.Tensor;
import java.io.IOException;

/**
 * Coverage-guided fuzzing of the safetensors header and tensor table: any bytes either open (and
 * each tensor then views or is refused with a ModelFormatException) or are refused with one.
 */
class SafetensorsFuzzTest {
    @FuzzTest(maxDuration = "10m")
    void open(byte[] data) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(FuzzFiles.write(".safetensors", data))) {
            f.metadata();
            for (SafetensorsTensorInfo info : f.tensors()) {
                try (Tensor t = f.tensor(info.name())) {
                    if (t.bytes() <= 1 << 20) {
                        t.toBytes();
                    }
                } catch (ModelFormatException refused) {
                    // a tensor of a type or shape we do not read
                }
            }
        } catch (ModelFormatException refused) {
            // the only other outcome allowed
        }
    }
}
