package dev.llmaccel.tokenizer;

import dev.llmaccel.format.ModelFormatException;
import dev.llmaccel.format.gguf.GgufFile;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;

/**
 * Builds a tokenizer from the {@code tokenizer.ggml.*} metadata of a GGUF file, with llama.cpp's
 * defaults where a key is absent: SentencePiece BPE for model "llama" (BOS 1, EOS 2, unknown 0,
 * BOS added, space prefix on), byte-level BPE for "gpt2" (pre-tokenizer by
 * {@code tokenizer.ggml.pre}, "default" when absent) and WordPiece for "bert" ({@code [CLS]} 101,
 * {@code [SEP]} 102, {@code [UNK]} 100, {@code [PAD]} 0, uncased normalization).
 */
final class GgufTokenizerLoader {
    private static final String PREFIX = "tokenizer.ggml.";

    private GgufTokenizerLoader() {}

    static Tokenizer load(GgufFile gguf) throws ModelFormatException {
        String source = gguf.path().toString();
        String model = gguf.getString(PREFIX + "model");
        List<String> texts = gguf.getStringArray(PREFIX + "tokens");
        float[] scores = gguf.has(PREFIX + "scores") ? gguf.getFloatArray(PREFIX + "scores") : null;
        TokenType[] types = null;
        if (gguf.has(PREFIX + "token_type")) {
            int[] codes = gguf.getIntArray(PREFIX + "token_type");
            types = new TokenType[codes.length];
            for (int i = 0; i < codes.length; i++) {
                types[i] = TokenType.fromCode(codes[i]);
            }
        }
        Vocabulary vocabulary = new Vocabulary(source, texts, scores, types);
        switch (model) {
            case "llama":
                return sentencePiece(gguf, vocabulary);
            case "gpt2":
                return byteLevel(gguf, vocabulary, source);
            case "bert":
                return wordPiece(gguf, vocabulary);
            default:
                throw new ModelFormatException(source + ": tokenizer model '" + model + "' is not supported (llama, gpt2, bert)");
        }
    }

    private static Tokenizer sentencePiece(GgufFile gguf, Vocabulary vocabulary) throws ModelFormatException {
        int bos = id(gguf, vocabulary, "bos_token_id", 1);
        int eos = id(gguf, vocabulary, "eos_token_id", 2);
        boolean addBos = gguf.getBoolean(PREFIX + "add_bos_token", true);
        boolean addEos = gguf.getBoolean(PREFIX + "add_eos_token", false);
        SpecialTokens special = new SpecialTokens(bos, eos, id(gguf, vocabulary, "unknown_token_id", 0),
                id(gguf, vocabulary, "padding_token_id", -1),
                addBos ? SpecialTokens.present(bos) : new int[0], addEos ? SpecialTokens.present(eos) : new int[0],
                endOfGeneration(gguf, vocabulary, eos), stripsFollowingSpace(gguf, vocabulary));
        return new SentencePieceBpe(vocabulary, special, gguf.getBoolean(PREFIX + "add_space_prefix", true));
    }

    private static Tokenizer byteLevel(GgufFile gguf, Vocabulary vocabulary, String source) throws ModelFormatException {
        String pre = gguf.getString(PREFIX + "pre", "default");
        PreTokenizer preTokenizer = PreTokenizer.forName(pre);
        if (preTokenizer == null) {
            throw new ModelFormatException(source + ": pre-tokenizer '" + pre + "' is not supported");
        }
        // llama.cpp defaults both to id 11 for this model; an id that the file does not name is taken as absent here.
        int bos = id(gguf, vocabulary, "bos_token_id", -1);
        int eos = id(gguf, vocabulary, "eos_token_id", -1);
        boolean addBos = gguf.getBoolean(PREFIX + "add_bos_token", preTokenizer.addBos());
        boolean addEos = gguf.getBoolean(PREFIX + "add_eos_token", false);
        SpecialTokens special = new SpecialTokens(bos, eos, id(gguf, vocabulary, "unknown_token_id", -1),
                id(gguf, vocabulary, "padding_token_id", -1),
                addBos ? SpecialTokens.present(bos) : new int[0], addEos ? SpecialTokens.present(eos) : new int[0],
                endOfGeneration(gguf, vocabulary, eos), stripsFollowingSpace(gguf, vocabulary));
        return new ByteLevelBpe(vocabulary, special, preTokenizer, gguf.getStringArray(PREFIX + "merges"));
    }

    private static Tokenizer wordPiece(GgufFile gguf, Vocabulary vocabulary) throws ModelFormatException {
        int cls = id(gguf, vocabulary, "bos_token_id", id(gguf, vocabulary, "cls_token_id", 101));
        int sep = id(gguf, vocabulary, "seperator_token_id", 102);   // sic: llama.cpp's spelling of the key
        SpecialTokens special = new SpecialTokens(cls, -1, id(gguf, vocabulary, "unknown_token_id", 100),
                id(gguf, vocabulary, "padding_token_id", 0), SpecialTokens.present(cls), SpecialTokens.present(sep),
                endOfGeneration(gguf, vocabulary, -1), new BitSet());
        // llama.cpp's converter spells word starts with U+2581 and drops "##"; it keeps no casing flag and lowercases.
        return new WordPiece(vocabulary, special, BertNormalizer.uncased(), "\u2581", "", 100);
    }

    /** tokenizer.ggml.&lt;key&gt; when present and inside the vocabulary, else the default (if inside). */
    private static int id(GgufFile gguf, Vocabulary vocabulary, String key, int dflt) throws ModelFormatException {
        long id = gguf.getLong(PREFIX + key, dflt);
        int checked = vocabulary.idOrNone(id);
        return checked >= 0 ? checked : vocabulary.idOrNone(dflt);
    }

    private static BitSet endOfGeneration(GgufFile gguf, Vocabulary vocabulary, int eos) throws ModelFormatException {
        return SpecialTokens.endOfGeneration(vocabulary, eos,
                id(gguf, vocabulary, "eot_token_id", -1), id(gguf, vocabulary, "eom_token_id", -1));
    }

    /**
     * Phi-3's special tokens swallow the whitespace after them (its tokenizer.json says rstrip);
     * GGUF does not carry that flag, so llama.cpp recognizes the model by name, and so do we.
     */
    private static BitSet stripsFollowingSpace(GgufFile gguf, Vocabulary vocabulary) throws ModelFormatException {
        BitSet strips = new BitSet();
        String name = gguf.getString("general.name", "").toLowerCase(Locale.ROOT);
        if (name.contains("phi-3") || name.contains("phi3")) {
            for (int id : vocabulary.specialIdsLongestFirst()) {
                strips.set(id);
            }
            for (String kept : new String[] {"<unk>", "<s>", "<|endoftext|>"}) {
                int id = vocabulary.id(kept);
                if (id >= 0) {
                    strips.clear(id);
                }
            }
            int eos = vocabulary.id("</s>");
            if (eos >= 0) {
                strips.set(eos);
            }
        }
        return strips;
    }
}
