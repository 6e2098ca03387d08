package dev.llmaccel.format.gguf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.llmaccel.FuzzFiles;
import dev.llmaccel.format.ModelFormatException;
import java.io.IOException;

/**
 * Coverage-guided fuzzing of the GGUF reader: any bytes either open (and then every value and
 * tensor view reads or is refused with a ModelFormatException) or are refused with a
 * ModelFormatException. Any other exception or Error is a finding. Seeds and past findings live
 * in GgufReaderFuzzTestInputs/ and run in every build; see FUZZING.md to fuzz.
 */
class GgufReaderFuzzTest {
    @FuzzTest(maxDuration = "10m")
    void open(byte[] data) throws IOException {
        try (GgufFile f = GgufFile.open(FuzzFiles.write(".gguf", data))) {
            GgufFuzzTest.exercise(f);
        } catch (ModelFormatException refused) {
            // the only other outcome allowed
        }
    }
}
