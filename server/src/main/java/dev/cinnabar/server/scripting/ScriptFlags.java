package dev.cinnabar.server.scripting;

import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Flags from a script's shebang line ({@code #!lua flags=no-writes,allow-oom}). A script without a
 * shebang gets Redis's legacy defaults (may write, no stale/oom exemptions).
 */
public record ScriptFlags(boolean hasShebang, boolean noWrites, boolean allowOom, boolean allowStale,
                          boolean noCluster, boolean allowCrossSlotKeys) {
    private static final Set<String> KNOWN = Set.of("no-writes", "allow-oom", "allow-stale", "no-cluster",
            "allow-cross-slot-keys");

    static ScriptFlags parseShebang(byte[] body) throws ScriptException {
        if (body.length < 2 || body[0] != '#' || body[1] != '!') {
            return new ScriptFlags(false, false, false, false, false, false);
        }
        int nl = 0;
        while (nl < body.length && body[nl] != '\n') {
            nl++;
        }
        String line = new String(body, 0, nl, StandardCharsets.UTF_8).trim();
        String[] parts = line.split(" +");
        if (!parts[0].equals("#!lua")) {
            throw new ScriptException("ERR Unexpected engine in script shebang: " + parts[0]);
        }
        boolean noWrites = false;
        boolean allowOom = false;
        boolean allowStale = false;
        boolean noCluster = false;
        boolean cross = false;
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i];
            if (!p.startsWith("flags=")) {
                throw new ScriptException("ERR Unknown lua shebang option: " + p);
            }
            String list = p.substring("flags=".length());
            if (list.isEmpty()) {
                continue;
            }
            for (String f : list.split(",")) {
                if (!KNOWN.contains(f)) {
                    throw new ScriptException("ERR Unexpected flag in script shebang: " + f);
                }
                switch (f) {
                    case "no-writes" -> noWrites = true;
                    case "allow-oom" -> allowOom = true;
                    case "allow-stale" -> allowStale = true;
                    case "no-cluster" -> noCluster = true;
                    default -> cross = true;
                }
            }
        }
        return new ScriptFlags(true, noWrites, allowOom, allowStale, noCluster, cross);
    }
}
