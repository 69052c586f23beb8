package dev.cinnabar.testkit.model;

import dev.cinnabar.testkit.Resp;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything one server sent on each connection of a dialog, in order: every frame (replies,
 * pushes, pub/sub messages), labelled with the step after which the harness read it, and where
 * the server closed the connection. Also which steps could not be sent (their connection was
 * already closed) and the harness's notes (stalls, a timing assumption that did not hold).
 */
public final class Transcript {
    /** Something a connection received. */
    public sealed interface Event {
        int step();
    }

    /** One RESP frame, read after step {@code step}. */
    public record Frame(int step, Resp reply) implements Event {
        @Override
        public String toString() {
            return "[" + step + "] " + reply;
        }
    }

    /** The server closed the connection (seen after step {@code step}). */
    public record Closed(int step) implements Event {
        @Override
        public String toString() {
            return "[" + step + "] <closed>";
        }
    }

    private final String server;
    private final List<List<Event>> events = new ArrayList<>();
    private final boolean[] sent;
    private final boolean[] busyAfter;
    private final List<String> settles = new ArrayList<>();
    private final List<String> ids = new ArrayList<>();
    private final List<String> stalls = new ArrayList<>();
    private boolean timingMissed;
    private boolean stuck;
    private int stuckAt = -1;
    private String stuckNote;

    /** An empty transcript (the runner fills it; tests of the accounting build one by hand). */
    public Transcript(String server, int connections, int steps) {
        this.server = server;
        for (int i = 0; i < connections; i++) {
            events.add(new ArrayList<>());
            ids.add("?");
        }
        this.sent = new boolean[steps];
        this.busyAfter = new boolean[steps];
    }

    public String server() {
        return server;
    }

    public int connections() {
        return events.size();
    }

    public List<Event> events(int client) {
        return events.get(client);
    }

    /** The frames a connection received, in order. */
    public List<Frame> frames(int client) {
        List<Frame> out = new ArrayList<>();
        for (Event e : events.get(client)) {
            if (e instanceof Frame f) {
                out.add(f);
            }
        }
        return out;
    }

    /** The step after which the connection was seen closed, or -1. */
    public int closedAt(int client) {
        for (Event e : events.get(client)) {
            if (e instanceof Closed c) {
                return c.step();
            }
        }
        return -1;
    }

    public boolean sent(int step) {
        return sent[step];
    }

    /** Whether the server answered the harness BUSY once step {@code step} settled. */
    public boolean busyAfter(int step) {
        return busyAfter[step];
    }

    void busyAfter(int step, boolean busy) {
        busyAfter[step] = busy;
    }

    /** Steps after which this server did not show the reference's state (busy or not) in time. */
    public List<String> settles() {
        return settles;
    }

    void settle(String note) {
        settles.add(note);
    }

    /** Frames received by {@code client} after steps up to {@code step} included. */
    int framesUpTo(int client, int step) {
        int n = 0;
        for (Event e : events.get(client)) {
            if (e instanceof Frame f && f.step() <= step) {
                n++;
            }
        }
        return n;
    }

    /** Replies the harness waited for in vain (it had them from the reference server). */
    public List<String> stalls() {
        return stalls;
    }

    /**
     * True when the harness could not keep a timing assumption (it sent a command meant to be
     * held by CLIENT PAUSE ALL too late): the run says nothing and is repeated.
     */
    public boolean timingMissed() {
        return timingMissed;
    }

    /** True when the server stopped answering the harness's own connection (the dialog was abandoned). */
    public boolean stuck() {
        return stuck;
    }

    /** The step after which the server got stuck (-1: before the first step). */
    public int stuckAt() {
        return stuckAt;
    }

    public String stuckNote() {
        return stuckNote;
    }

    void stuck(int step, String note) {
        stuck = true;
        stuckAt = step;
        stuckNote = note;
    }

    /** The client id of a connection on this server (for reports). */
    public String id(int client) {
        return ids.get(client);
    }

    public void add(int client, Event e) {
        events.get(client).add(e);
    }

    public void markSent(int step) {
        sent[step] = true;
    }

    void id(int client, String id) {
        ids.set(client, id);
    }

    void stall(String note) {
        stalls.add(note);
    }

    void missTiming() {
        timingMissed = true;
    }

    static String cut(String s) {
        return s.length() <= 160 ? s : s.substring(0, 160) + "...";
    }
}
