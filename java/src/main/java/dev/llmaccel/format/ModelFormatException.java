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
}
