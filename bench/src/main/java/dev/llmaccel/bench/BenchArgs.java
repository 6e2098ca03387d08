package dev.llmaccel.bench;

import java.util.HashMap;
import java.util.Map;

/** A benchmark's command line: {@code key=value} arguments over its defaults, unknown keys refused. */
final class BenchArgs {
    private BenchArgs() {}

    /** The defaults with each argument's value put in place of its key's. */
    static Map<String, String> parse(Map<String, String> defaults, String[] args) {
        Map<String, String> p = new HashMap<>(defaults);
        for (String a : args) {
            String[] kv = a.split("=", 2);
            if (kv.length != 2 || !p.containsKey(kv[0])) {
                throw new IllegalArgumentException("arguments are " + p.keySet() + " as key=value, got " + a);
            }
            p.put(kv[0], kv[1]);
        }
        return p;
    }
}
