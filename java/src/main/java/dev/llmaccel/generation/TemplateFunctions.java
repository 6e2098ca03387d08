package dev.llmaccel.generation;

import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * The Python functions that Hugging Face chat templates call, for Jinjava: {@code raise_exception}
 * and {@code strftime_now}. Public only because Jinjava calls them by reflection.
 */
public final class TemplateFunctions {
    /** The message of the last raise_exception on this thread, for the renderer to report. */
    static final ThreadLocal<String> RAISED = new ThreadLocal<>();

    private TemplateFunctions() {}

    /** {@code raise_exception(message)}: the template refuses the conversation. */
    public static Object raiseException(String message) {
        RAISED.set(message);
        throw new ChatTemplateException(message);
    }

    /** {@code strftime_now(format)}: the local date and time in Python's strftime format. */
    public static String strftimeNow(String format) {
        return strftime(format, LocalDateTime.now());
    }

    /** Python's strftime for the directives chat templates use (%d %m %Y %y %b %B %a %A %H %I %M %S %p %j %e %%). */
    static String strftime(String format, LocalDateTime t) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            char d = format.charAt(++i);
            switch (d) {
                case 'd' -> out.append(String.format("%02d", t.getDayOfMonth()));
                case 'e' -> out.append(String.format("%2d", t.getDayOfMonth()));
                case 'm' -> out.append(String.format("%02d", t.getMonthValue()));
                case 'Y' -> out.append(t.getYear());
                case 'y' -> out.append(String.format("%02d", t.getYear() % 100));
                case 'b' -> out.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'B' -> out.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'a' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'H' -> out.append(String.format("%02d", t.getHour()));
                case 'I' -> out.append(String.format("%02d", (t.getHour() + 11) % 12 + 1));
                case 'M' -> out.append(String.format("%02d", t.getMinute()));
                case 'S' -> out.append(String.format("%02d", t.getSecond()));
                case 'p' -> out.append(t.getHour() < 12 ? "AM" : "PM");
                case 'j' -> out.append(String.format("%03d", t.getDayOfYear()));
                case '%' -> out.append('%');
                default -> out.append('%').append(d);
            }
        }
        return out.toString();
    }
}
