package dev.llmaccel.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.backend.cuda.CudaBackend;
import dev.llmaccel.backend.cuda.CudaProbe;
import dev.llmaccel.generation.StopReason;
import dev.llmaccel.tensor.DType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine on the CUDA backend (skipped without a usable GPU): the paged cache lives in device
 * memory and every request of a batch is served. Exactness across batch sizes is not claimed on
 * CUDA: its matmul takes a GEMV for up to 8 rows and a BF16 tensor-core GEMM above, so a prompt's
 * rows differ in the last bits with the size of the chunk they run in.
 */
class EngineCudaTest {
    @TempDir
    static Path dir;

    @Test
    void servesABatchOnTheGpu() throws Exception {
        CudaProbe.Result probe = CudaProbe.probe();
        Assumptions.assumeTrue(probe.usable(), () -> "no usable GPU: " + probe.description());
        try (Backend cuda = new CudaBackend(0); TinyModel model = TinyModel.random(dir, DType.Q8_0, cuda);
             Engine engine = model.engine(EngineConfig.defaults().withKvCacheTokens(4096).withBlockSize(16)
                     .withContextSize(256))) {
            List<EngineExactnessTest.Job> jobs = EngineExactnessTest.jobs(16, model.tokenizer.vocabSize(),
                    model.tokenizer.eosId(), 24, 3);
            List<RequestHandle> handles = new ArrayList<>();
            for (EngineExactnessTest.Job j : jobs) {
                handles.add(engine.submit(CompletionRequest.ofTokens(j.prompt(), j.options())));
            }
            for (int i = 0; i < jobs.size(); i++) {
                Completion c = handles.get(i).join();
                if (c.stopReason() == StopReason.MAX_TOKENS) {
                    assertEquals(jobs.get(i).options().maxNewTokens(), c.tokens().length);
                }
            }
            EngineTest.awaitIdle(engine);
            assertEquals(16, engine.stats().completed());
        }
    }
}
