package dev.llmaccel.generation;

import java.util.List;

/**
 * Watches streamed text for stop strings. Text that could be the start of a stop string is held
 * back until the next piece shows whether it is; once a stop string appears, the text before it is
 * released and the rest is dropped.
 */
final class StopStrings {
    private final List<String> stops;
    private final StringBuilder held = new StringBuilder();
    private boolean matched;

    StopStrings(List<String> stops) {
        this.stops = stops;
    }

    /** Takes the next piece of text and returns what can be released now. */
    String accept(String piece) {
        if (matched) {
            return "";
        }
        held.append(piece);
        int at = -1;
        for (String s : stops) {
            int i = held.indexOf(s);
            if (i >= 0 && (at < 0 || i < at)) {
                at = i;
            }
        }
        if (at >= 0) {
            matched = true;
            String out = held.substring(0, at);
            held.setLength(0);
            return out;
        }
        int keep = 0;
        for (String s : stops) {
            for (int k = Math.min(s.length() - 1, held.length()); k > keep; k--) {
                if (endsWith(held, s, k)) {
                    keep = k;
                    break;
                }
            }
        }
        String out = held.substring(0, held.length() - keep);
        held.delete(0, held.length() - keep);
        return out;
    }

    /** Whether a stop string has appeared. */
    boolean matched() {
        return matched;
    }

    /** Releases the held text (at the end of a generation that no stop string ended). */
    String flush() {
        String out = held.toString();
        held.setLength(0);
        return out;
    }

    /** Whether text ends with the first k characters of s. */
    private static boolean endsWith(StringBuilder text, String s, int k) {
        int from = text.length() - k;
        for (int i = 0; i < k; i++) {
            if (text.charAt(from + i) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
