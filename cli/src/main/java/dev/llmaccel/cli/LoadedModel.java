package dev.llmaccel.cli;

import dev.llmaccel.backend.Backend;
import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.format.gguf.GgufFile;
import dev.llmaccel.generation.ChatTemplate;
import dev.llmaccel.model.llama.LlamaModel;
import dev.llmaccel.tokenizer.Tokenizer;
import dev.llmaccel.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A model file opened for the CLI: the model on its backend, its tokenizer and its chat template.
 * GGUF files carry all three (the template is optional there); a llama2.c checkpoint needs its
 * tokenizer file beside it (or named with {@code --tokenizer}) and has no template.
 */
final class LoadedModel implements AutoCloseable {
    /** Files smaller than this load too fast for a progress bar to help. */
    private static final long PROGRESS_MIN_BYTES = 64L << 20;
    private static final int READ_CHUNK = 8 << 20;

    final Path path;
    final Backend backend;
    final LlamaModel model;
    final Tokenizer tokenizer;
    /** The chat template the file carries, or null. */
    final String templateSource;
    private final GgufFile gguf;

    private LoadedModel(Path path, Backend backend, GgufFile gguf, LlamaModel model, Tokenizer tokenizer,
            String templateSource) {
        this.path = path;
        this.backend = backend;
        this.gguf = gguf;
        this.model = model;
        this.tokenizer = tokenizer;
        this.templateSource = templateSource;
    }

    /**
     * Opens path (GGUF or llama2.c) on the chosen backend, showing a progress bar on err while a
     * large file is read. With {@code --backend auto}, a model whose weight types the chosen
     * backend cannot compute runs on the CPU instead (and err says so).
     *
     * @param tokenizerFile a llama2.c tokenizer file, or null to look beside the checkpoint
     */
    static LoadedModel open(Path path, Path tokenizerFile, BackendOptions backends, PrintWriter err,
            ProgressBar.Mode progress) throws IOException {
        return open(path, tokenizerFile, backends, err, progress, false);
    }

    /** As above; checkTensors reads every weight of a GGUF once and refuses NaN or infinity (--check-tensors). */
    static LoadedModel open(Path path, Path tokenizerFile, BackendOptions backends, PrintWriter err,
            ProgressBar.Mode progress, boolean checkTensors) throws IOException {
        requireFile(path, "model");
        readWithProgress(path, err, progress);
        Backend backend = backends.open();
        try {
            return open(path, tokenizerFile, backend, checkTensors);
        } catch (UnsupportedOperationException e) {
            backend.close();
            if (!backends.isAuto() || backend.name().equals("cpu")) {
                throw e;
            }
            err.println("llmaccel: " + e.getMessage() + "; running on the CPU instead");
            Backend cpu = backends.cpu();
            try {
                return open(path, tokenizerFile, cpu, checkTensors);
            } catch (IOException | RuntimeException again) {
                cpu.close();
                throw again;
            }
        } catch (IOException | RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    private static LoadedModel open(Path path, Path tokenizerFile, Backend backend, boolean checkTensors) throws IOException {
        if (isGguf(path)) {
            GgufFile gguf = GgufFile.open(path);
            try {
                LlamaModel model = LlamaModel.fromGguf(gguf, backend, checkTensors);
                try {
                    Tokenizer tokenizer = Tokenizers.fromGguf(gguf);
                    String source = gguf.getString("tokenizer.chat_template", null);
                    return new LoadedModel(path, backend, gguf, model, tokenizer, source);
                } catch (IOException | RuntimeException e) {
                    model.close();
                    throw e;
                }
            } catch (IOException | RuntimeException e) {
                gguf.close();
                throw e;
            }
        }
        LlamaModel model;
        try {
            model = LlamaModel.fromLlama2c(path, backend);
        } catch (ModelFormatException e) {
            throw new ModelFormatException(path + " is neither a GGUF file (it does not start with \"GGUF\") nor a"
                    + " llama2.c checkpoint: " + e.getMessage(), e);
        }
        try {
            Path tok = tokenizerFile != null ? tokenizerFile : llama2cTokenizerBeside(path);
            requireFile(tok, "tokenizer");
            Tokenizer tokenizer = Tokenizers.fromLlama2c(tok, model.config().vocabSize());
            return new LoadedModel(path, backend, null, model, tokenizer, null);
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Whether the file starts with GGUF's magic. */
    static boolean isGguf(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] magic = in.readNBytes(4);
            return new String(magic, StandardCharsets.ISO_8859_1).equals("GGUF");
        }
    }

    static void requireFile(Path path, String what) throws IOException {
        if (!Files.exists(path)) {
            throw new IOException(what + " file not found: " + path);
        }
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new IOException(what + " file is not a readable file: " + path);
        }
    }

    /**
     * The model's own chat template source, else ChatML, saying on err that the file has none and what
     * follows (fallbackNote, e.g. "using ChatML: name another with ...").
     */
    String templateSourceOrChatMl(PrintWriter err, String fallbackNote) {
        if (templateSource != null) {
            return templateSource;
        }
        err.println("llmaccel: " + path.getFileName() + " has no chat template (tokenizer.chat_template); " + fallbackNote);
        return ChatTemplate.CHATML;
    }

    /** A chat template with this model's BOS and EOS texts. */
    ChatTemplate template(String source) {
        String bos = tokenizer.bosId() >= 0 ? tokenizer.tokenText(tokenizer.bosId()) : "";
        String eos = tokenizer.eosId() >= 0 ? tokenizer.tokenText(tokenizer.eosId()) : "";
        return new ChatTemplate(source, bos, eos);
    }

    /** tokenizer.bin, or the only tok*.bin, in the checkpoint's folder. */
    private static Path llama2cTokenizerBeside(Path checkpoint) throws IOException {
        Path dir = checkpoint.toAbsolutePath().getParent();
        Path standard = dir.resolve("tokenizer.bin");
        if (Files.isRegularFile(standard)) {
            return standard;
        }
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "tok*.bin")) {
            files.forEach(found::add);
        }
        if (found.size() == 1) {
            return found.get(0);
        }
        throw new ModelFormatException(checkpoint + " is a llama2.c checkpoint; name its tokenizer file with --tokenizer"
                + (found.isEmpty() ? "" : " (several candidates: " + found + ")"));
    }

    /**
     * Reads the whole file once, with a progress bar on err, so that its pages are in the page
     * cache before the mapped weights are touched: the first token then does not wait on the disk.
     */
    private static void readWithProgress(Path path, PrintWriter err, ProgressBar.Mode progress) throws IOException {
        long size = Files.size(path);
        if (size < PROGRESS_MIN_BYTES) {
            return;
        }
        ByteBuffer buffer = ByteBuffer.allocateDirect(READ_CHUNK);
        if (progress != ProgressBar.Mode.OFF) {
            err.println("llmaccel: reading " + path.getFileName() + " (MB)");
        }
        ProgressBar bar = new ProgressBar(err, size >> 20, "MB read", progress);
        long shown = -1;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long done = 0;
            while (done < size) {
                buffer.clear();
                int n = ch.read(buffer, done);
                if (n < 0) {
                    break;
                }
                done += n;
                if (done >> 20 != shown) {
                    shown = done >> 20;
                    bar.update(shown);
                }
            }
        }
        bar.finish();
    }

    /** Closes the model, its file and its backend. */
    @Override
    public void close() {
        model.close();
        if (gguf != null) {
            gguf.close();
        }
        backend.close();
    }
}
