package dev.cinnabar.server.config;

import java.util.List;

/**
 * proc-title-template: the process title the server shows in ps and top, as Redis builds it.
 * Variables in braces: {title} (the name the server was started as), {listen-addr} (the first bind
 * address, or "*" without one, and the TCP port, else the TLS port; "unixsocket:PATH" when neither
 * is open), {server-mode} ("[sentinel]" in sentinel mode, "[cluster]" in cluster mode; empty for a
 * standalone server: Cluster mode is not built yet), {port}, {tls-port}, {unixsocket} and {config-file} (its
 * absolute path, or "-"). "{{" is a literal brace; a "}" outside a variable is kept as is. The
 * expansion is stripped of leading and trailing spaces.
 *
 * <p>A template is valid, as Redis checks it at CONFIG SET and in the configuration file, when it
 * is well formed, names only known variables, and does not expand to nothing with an empty
 * {title} and the current configuration ("{unixsocket}" alone is refused while no socket is set).
 */
public final class ProcTitleTemplate {
    /** Redis's reason for a refused template (CONFIG SET wraps it in its usual error). */
    public static final String INVALID = "template format is invalid or contains unknown variables";

    private ProcTitleTemplate() {
    }

    /** The title {@code template} gives with this configuration; null when it is malformed. */
    public static String expand(String template, String title, ServerConfig c) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        int n = template.length();
        while (i < n) {
            char ch = template.charAt(i);
            if (ch != '{') {
                out.append(ch);
                i++;
            } else if (i + 1 < n && template.charAt(i + 1) == '{') {
                out.append('{');
                i += 2;
            } else {
                int end = template.indexOf('}', i + 1);
                if (end < 0) {
                    return null;
                }
                String value = variable(template.substring(i + 1, end), title, c);
                if (value == null) {
                    return null;
                }
                out.append(value);
                i = end + 1;
            }
        }
        int from = 0;
        int to = out.length();
        while (from < to && out.charAt(from) == ' ') {
            from++;
        }
        while (to > from && out.charAt(to - 1) == ' ') {
            to--;
        }
        return out.substring(from, to);
    }

    private static String variable(String name, String title, ServerConfig c) {
        int tlsPort = tlsPort(c);
        return switch (name) {
            case "title" -> title;
            case "listen-addr" -> c.port != 0 || tlsPort != 0
                    ? (c.bind.isEmpty() ? "*" : c.bind.get(0)) + ":" + (c.port != 0 ? c.port : tlsPort)
                    : "unixsocket:" + c.unixsocket;
            case "server-mode" -> c.sentinelMode ? "[sentinel]" : "";
            case "config-file" -> c.configFile == null ? "-" : c.configFile;
            case "port" -> Integer.toString(c.port);
            case "tls-port" -> Integer.toString(tlsPort);
            case "unixsocket" -> c.unixsocket;
            default -> null;
        };
    }

    private static int tlsPort(ServerConfig c) {
        try {
            String v = c.get("tls-port");
            return v == null || v.isEmpty() ? 0 : Integer.parseInt(v);
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** The directive's parser: the template if valid, else Redis's reason. */
    static Object parse(List<String> args, ServerConfig c) throws ConfigException {
        String t = ServerConfig.single(args);
        String expanded = expand(t, "", c);
        if (expanded == null || expanded.isEmpty()) {
            throw new ConfigException(INVALID);
        }
        return t;
    }
}
