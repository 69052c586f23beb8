package dev.cinnabar.server;

import dev.cinnabar.server.config.ServerConfig;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;

/**
 * The server log, in Redis's line format: {@code pid:role dd Mon yyyy HH:MM:SS.mmm <level> message}
 * where role is M (master), S (replica), C (child) or X (sentinel) and level is '.' debug, '-'
 * verbose, '*' notice, '#' warning. Writes to the configured logfile, or stdout when it is empty.
 */
public final class Log {
    public static final int DEBUG = 0;
    public static final int VERBOSE = 1;
    public static final int NOTICE = 2;
    public static final int WARNING = 3;
    private static final char[] MARKS = {'.', '-', '*', '#'};
    /**
     * English month abbreviations: the date is formatted by hand, since DateTimeFormatter's month
     * names load the JDK's locale providers and resource bundles (a few hundred classes at start-up).
     */
    private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
        "Nov", "Dec"};
    private static final long PID = ProcessHandle.current().pid();

    private final ServerConfig config;
    private PrintStream out;
    private String openedFile;
    private volatile char role = 'M';

    public Log(ServerConfig config) {
        this.config = config;
        if (config.sentinelMode) {
            role = 'X';
        }
    }

    public void role(char r) {
        this.role = r;
    }

    private static int level(String name) {
        return switch (name) {
            case "debug" -> DEBUG;
            case "verbose" -> VERBOSE;
            case "warning" -> WARNING;
            default -> NOTICE;
        };
    }

    public boolean enabled(int level) {
        return level >= level(config.loglevel);
    }

    public void debug(String msg) {
        log(DEBUG, msg);
    }

    public void verbose(String msg) {
        log(VERBOSE, msg);
    }

    public void notice(String msg) {
        log(NOTICE, msg);
    }

    public void warning(String msg) {
        log(WARNING, msg);
    }

    public void log(int level, String msg) {
        log(role, level, msg);
    }

    /** A line with the given role (C at start-up, before the server's role is known). */
    public synchronized void log(char lineRole, int level, String msg) {
        if (!enabled(level)) {
            return;
        }
        PrintStream p = stream();
        p.println(line(PID, lineRole, level, msg));
        p.flush();
        syslog(level, msg);
    }

    /** The message alone to the system logger when syslog-enabled is yes (see {@link Syslog}). */
    private void syslog(int level, String msg) {
        if (config.syslogEnabled) {
            Syslog.open().send(Syslog.format(config.syslogFacility, config.syslogIdent, PID, level, msg,
                    LocalDateTime.now()));
        }
    }

    /** One line in Redis's format: {@code pid:role dd Mon yyyy HH:MM:SS.mmm <mark> message}. */
    public static String line(long pid, char role, int level, String msg) {
        // a builder, not +: the first concatenation of this shape spun about 25 method-handle classes
        // at every start (the first log line), more than the rest of the start-up's concatenations
        return new StringBuilder(48 + msg.length()).append(pid).append(':').append(role).append(' ')
                .append(stamp(LocalDateTime.now())).append(' ').append(MARKS[level]).append(' ').append(msg).toString();
    }

    /** The time as Redis writes it in a log line: {@code dd Mon yyyy HH:MM:SS.mmm}. */
    static String stamp(LocalDateTime t) {
        StringBuilder sb = new StringBuilder(24);
        digits(sb, t.getDayOfMonth(), 2).append(' ').append(MONTHS[t.getMonthValue() - 1]).append(' ');
        digits(sb, t.getYear(), 4).append(' ');
        digits(sb, t.getHour(), 2).append(':');
        digits(sb, t.getMinute(), 2).append(':');
        digits(sb, t.getSecond(), 2).append('.');
        return digits(sb, t.getNano() / 1_000_000, 3).toString();
    }

    private static StringBuilder digits(StringBuilder sb, int v, int width) {
        String s = Integer.toString(v);
        for (int i = s.length(); i < width; i++) {
            sb.append('0');
        }
        return sb.append(s);
    }

    /**
     * A line written from a signal handler, in Redis's format for those (no role, date or level
     * mark): {@code pid:signal-handler (unix time) message}. Always written, as Redis's are.
     */
    public synchronized void fromSignalHandler(String msg) {
        PrintStream p = stream();
        p.println(PID + ":signal-handler (" + System.currentTimeMillis() / 1000 + ") " + msg);
        p.flush(); // never to syslog: Redis's handler-safe logging writes the file only
    }

    /** Raw text from a signal handler (a stack trace): the log file only, never syslog, as Redis. */
    public synchronized void rawFromSignalHandler(String text) {
        PrintStream p = stream();
        p.print(text);
        p.flush();
    }

    /** Writes a raw line (the start-up banner; to syslog at notice level as Redis's raw lines). */
    public synchronized void raw(String text) {
        PrintStream p = stream();
        p.println(text);
        p.flush();
        syslog(NOTICE, text);
    }

    private PrintStream stream() {
        String f = config.logfilePath();
        if (f == null || f.isEmpty()) {
            return System.out;
        }
        if (!f.equals(openedFile)) {
            try {
                if (out != null && out != System.out) {
                    out.close();
                }
                out = new PrintStream(new FileOutputStream(f, true), false, StandardCharsets.UTF_8);
                openedFile = f;
            } catch (IOException e) {
                System.err.println("Can't open the log file: " + e.getMessage());
                return System.out;
            }
        }
        return out;
    }
}
