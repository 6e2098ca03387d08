package dev.llmaccel.tokenizer;

import dev.llmaccel.format.ModelFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Reads llama2.c's tokenizer.bin: int32 max token length, then per token a float32 score, an int32
 * byte length and the UTF-8 bytes, all little-endian. The file has no token types; as in llama2.c,
 * id 0 is the unknown token, 1 BOS and 2 EOS (written "\n<s>\n" and "\n</s>\n"), {@code <0xNN>}
 * entries are byte tokens, and pieces spell spaces as ' ' (turned back into U+2581 here).
 */
final class Llama2cTokenizerLoader {
    private Llama2cTokenizerLoader() {}

    static Tokenizer load(Path file, int vocabSize) throws IOException {
        if (vocabSize <= 0) {
            throw new IllegalArgumentException("vocabulary size must be positive, got " + vocabSize);
        }
        ByteBuffer data = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        String source = file.toString();
        require(data, 4, source, "the header");
        int maxTokenLength = data.getInt();
        if (maxTokenLength <= 0) {
            throw new ModelFormatException(source + ": max token length " + maxTokenLength + " is not positive");
        }
        List<String> texts = new ArrayList<>(vocabSize);
        float[] scores = new float[vocabSize];
        TokenType[] types = new TokenType[vocabSize];
        for (int id = 0; id < vocabSize; id++) {
            require(data, 8, source, "token " + id);
            scores[id] = data.getFloat();
            int length = data.getInt();
            if (length < 0 || length > data.remaining()) {
                throw new ModelFormatException(source + ": token " + id + " claims " + length + " bytes, "
                        + data.remaining() + " remain (truncated file or wrong vocabulary size " + vocabSize + "?)");
            }
            byte[] bytes = new byte[length];
            data.get(bytes);
            String text = decodeUtf8(bytes, source, id);
            TokenType type = typeOf(id, text);
            types[id] = type;
            texts.add(type == TokenType.NORMAL ? text.replace(' ', '\u2581') : text.strip());
        }
        Vocabulary vocabulary = new Vocabulary(source, texts, scores, types);
        int bos = vocabulary.idOrNone(1);
        int eos = vocabulary.idOrNone(2);
        SpecialTokens special = new SpecialTokens(bos, eos, vocabulary.idOrNone(0), -1,
                SpecialTokens.present(bos), new int[0], SpecialTokens.endOfGeneration(vocabulary, eos), new BitSet());
        return new SentencePieceBpe(vocabulary, special, true);
    }

    private static TokenType typeOf(int id, String text) {
        if (id == 0 && text.equals("<unk>")) {
            return TokenType.UNKNOWN;
        }
        if ((id == 1 || id == 2) && text.strip().matches("</?s>")) {
            return TokenType.CONTROL;
        }
        return SentencePieceBpe.byteValue(text) >= 0 ? TokenType.BYTE : TokenType.NORMAL;
    }

    private static void require(ByteBuffer data, int bytes, String source, String what) throws ModelFormatException {
        if (data.remaining() < bytes) {
            throw new ModelFormatException(source + ": truncated in " + what);
        }
    }

    private static String decodeUtf8(byte[] bytes, String source, int id) throws ModelFormatException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ModelFormatException(source + ": token " + id + " is not valid UTF-8", e);
        }
    }
}
