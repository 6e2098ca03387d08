/**
 * llmaccel: embedding, attention and decoding for the JVM on native CPU (SIMD + OpenBLAS) and CUDA
 * kernels, with the models built on them (Llama-family decoders, BERT encoders), their file formats
 * and tokenizers.
 *
 * <p>Every package is exported except {@code dev.llmaccel.binding.*}, the JavaCPP classes over the
 * native library, and {@code dev.llmaccel.memory}, through which backends put their own native
 * memory under tensors: nothing outside this module can call a kernel without the checks the
 * public API makes first, nor hand one an address (SealedBoundaryTest). JavaCPP itself reflects on
 * the bindings to load the library, so they are opened to it alone.
 */
module dev.llmaccel {
    requires java.logging;
    requires org.bytedeco.javacpp;
    requires org.bytedeco.openblas;
    requires com.fasterxml.jackson.core;
    requires com.fasterxml.jackson.databind;
    // Jinjava (chat templates) names no module; this is the name the JDK derives from its jar.
    requires jinjava;

    exports dev.llmaccel.attention;
    exports dev.llmaccel.backend;
    exports dev.llmaccel.backend.cuda;
    exports dev.llmaccel.decoding;
    exports dev.llmaccel.embedding;
    exports dev.llmaccel.format;
    exports dev.llmaccel.format.gguf;
    exports dev.llmaccel.format.onnx;
    exports dev.llmaccel.format.safetensors;
    exports dev.llmaccel.generation;
    exports dev.llmaccel.grammar;
    exports dev.llmaccel.model.bert;
    exports dev.llmaccel.model.llama;
    exports dev.llmaccel.serving;
    exports dev.llmaccel.tensor;
    exports dev.llmaccel.tokenizer;

    opens dev.llmaccel.binding.cpu to org.bytedeco.javacpp;
    opens dev.llmaccel.binding.cuda to org.bytedeco.javacpp;
}
