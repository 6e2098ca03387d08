package dev.llmaccel.format;

import java.io.IOException;

/**
 * A model or vocabulary file is malformed, truncated or uses something this library does not
 * support. The message names the file and what is wrong with it.
 */
public class ModelFormatException extends IOException {
    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Longest text of a file quoted whole in a message. */
    public static final int QUOTE_LIMIT = 80;

    /**
     * A string read from a file, quoted for a message: whole when short, else its first
     * {@value #QUOTE_LIMIT} characters and its length, so that a corrupt length field that read
     * half a megabyte as a key name does not make a half-megabyte message.
     */
    public static String quote(String s) {
        if (s.length() <= QUOTE_LIMIT) {
            return "'" + s + "'";
        }
        return "'" + s.substring(0, QUOTE_LIMIT) + "...' (" + s.length() + " characters)";
    }
}
