package dev.llmaccel.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The texts bundled with the commands (demo corpus, labelled evaluation set), read from the classpath. */
final class TextResources {
    /**
     * The file's text, which must be UTF-8: where it is not, the message names the file and the
     * byte offset ("Input length = 1" says neither).
     */
    static String readUtf8(java.nio.file.Path file) throws java.io.IOException {
        return decodeUtf8(java.nio.file.Files.readAllBytes(file), file.toString());
    }

    /** bytes as UTF-8 text; source names them in the message when they are not UTF-8. */
    static String decodeUtf8(byte[] bytes, String source) throws java.io.IOException {
        java.nio.charset.CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length);
        java.nio.charset.CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) {
            r = decoder.flush(out);
        }
        if (r.isError()) {
            int at = in.position();
            throw new java.io.CharConversionException(source + ": not UTF-8 text: byte 0x"
                    + String.format("%02x", bytes[at] & 0xff) + " at offset " + at);
        }
        return out.flip().toString();
    }

    private TextResources() {}

    /** The non-blank lines of a resource beside this class. */
    static List<String> lines(String name) throws IOException {
        try (InputStream in = TextResources.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("resource " + name + " is missing from the jar");
            }
            List<String> out = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\r?\n")) {
                if (!line.isBlank()) {
                    out.add(line);
                }
            }
            return out;
        }
    }
}
