package dev.cinnabar.testkit.model;

import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Runs a dialog against one server and records what every connection received.
 *
 * <p>Steps run one at a time, and each step settles before the next: after writing it, the
 * harness makes two round trips on its own admin connection (PING). A single-threaded server
 * (Redis) runs requests in the order they arrived and writes a command's replies, pushes and the
 * replies of clients it woke before it answers a later request, so after the second PONG every
 * output of the step is in the sockets; the harness then reads whatever each connection has.
 * That holds whether the step's command was answered, blocked (BLPOP, a command held by CLIENT
 * PAUSE WRITE, a busy script: the PING is answered, with BUSY in the last case) or silent (CLIENT
 * REPLY OFF). While CLIENT PAUSE ALL holds every connection, including the harness's, steps are
 * marked async: they are written a couple of milliseconds apart without waiting, and the next
 * normal step's round trip waits for the pause to end. If the harness falls behind (an async step
 * written after half the pause elapsed) the transcript is marked {@link Transcript#timingMissed}.
 *
 * <p>With an {@code expected} transcript (the reference server's), the harness first waits, up to
 * the reply timeout, until every connection has received as many frames as the reference had
 * after the same step (or was closed if the reference's was): a server that delivers replies,
 * pushes or wake-ups asynchronously is not judged by the round trip. A wait that times out is a
 * stall, recorded in {@link Transcript#stalls}. The step then settles into the reference's view:
 * busy with a script or not ({@link #settle}), its scripts run ({@code EVAL_RO} of the harness's
 * own behind them), and a step that answered nothing on the reference shown as run in CLIENT
 * LIST ({@link #awaitShown}). A server that stops answering the admin connection within
 * {@value #ADMIN_TIMEOUT_MS} ms is {@link Transcript#stuck}: the dialog is abandoned there.
 *
 * <p>Before a dialog: SCRIPT KILL and CLIENT UNPAUSE (both answers ignored: a failed previous
 * dialog may have left either), FLUSHALL, then one connection per dialog client plus the spare,
 * each asking CLIENT INFO for its id and address (not recorded).
 */
public final class DialogRunner implements AutoCloseable {
    private static final int ASYNC_GAP_MS = 2;
    /** Longer than anything a dialog legitimately makes the harness wait (a pause, a busy script). */
    private static final int ADMIN_TIMEOUT_MS = 5000;

    /** The server did not answer the harness's admin connection in time. */
    static final class Stuck extends RuntimeException {
        Stuck(String message) {
            super(message);
        }
    }

    private final String name;
    private final int port;
    private final int replyTimeoutMs;
    /** Waits in the current run: the reply timeout, then short once the run has already failed. */
    private int waitMs;
    /** The client ids of the current run's connections on this server. */
    private String[] ids;
    private RespClient admin;

    public DialogRunner(String name, int port, int replyTimeoutMs) {
        this.name = name;
        this.port = port;
        this.replyTimeoutMs = replyTimeoutMs;
        this.admin = new RespClient("127.0.0.1", port, ADMIN_TIMEOUT_MS);
    }

    public String name() {
        return name;
    }

    /** Sends a command on the admin connection (settings before the dialogs, e.g. CONFIG SET). */
    public Resp admin(String... args) {
        return adminCall(args);
    }

    /** Runs the dialog; {@code expected} is the reference server's transcript, or null. */
    public Transcript run(Dialog d, Transcript expected) {
        List<Dialog.Step> steps = d.steps();
        Transcript t = new Transcript(name, d.connections(), steps.size());
        waitMs = replyTimeoutMs;
        Conn[] conns = new Conn[d.connections()];
        int i = -1;
        try {
            reset();
            ids = new String[conns.length];
            String[] addrs = new String[conns.length];
            for (i = 0; i < conns.length; i++) {
                conns[i] = new Conn(new RespClient("127.0.0.1", port, replyTimeoutMs));
                String info;
                try {
                    info = conns[i].client.call("CLIENT", "INFO").asText();
                } catch (UncheckedIOException e) {
                    throw new Stuck(name + " did not answer CLIENT INFO on a new connection: " + e.getMessage());
                }
                ids[i] = field(info, "id");
                addrs[i] = field(info, "addr");
                t.id(i, ids[i]);
            }
            i = -1;
            long asyncStart = 0;
            long asyncBudget = 0;
            for (i = 0; i < steps.size(); i++) {
                Dialog.Step s = steps.get(i);
                Conn c = conns[s.client()];
                if (s.async() && asyncStart == 0) {
                    asyncStart = System.nanoTime();
                    asyncBudget = pauseMillis(s) / 2;
                } else if (s.async() && (System.nanoTime() - asyncStart) / 1_000_000 > asyncBudget) {
                    t.missTiming();
                }
                if (!s.async()) {
                    asyncStart = 0;
                }
                if (!c.closed) {
                    try {
                        c.client.writeRaw(encode(s.commands(), ids, addrs));
                        t.markSent(i);
                    } catch (UncheckedIOException e) {
                        c.closed = true;
                        t.add(s.client(), new Transcript.Closed(i));
                    }
                }
                if (expected != null) {
                    awaitExpected(conns, t, expected, i);
                }
                if (s.async()) {
                    sleep(ASYNC_GAP_MS);
                } else {
                    settle(s, t, expected, i);
                }
                drain(conns, t, i);
                if (mayClose(s)) {
                    probeClosed(conns, t, i);
                }
            }
            return t;
        } catch (Stuck e) {
            t.stuck(i, e.getMessage());
            return t;
        } finally {
            for (Conn c : conns) {
                if (c != null) {
                    c.client.close();
                }
            }
        }
    }

    private static long pauseMillis(Dialog.Step s) {
        List<String> cmd = s.commands().get(0);
        if ("client|pause".equals(Dialog.commandName(cmd))) {
            return Long.parseLong(cmd.get(2));
        }
        return 0;
    }

    private static boolean mayClose(Dialog.Step s) {
        for (List<String> cmd : s.commands()) {
            String n = Dialog.commandName(cmd);
            if ("client|kill".equals(n) || "quit".equals(n)) {
                return true;
            }
        }
        return false;
    }

    /** One connection of the dialog. */
    private static final class Conn {
        final RespClient client;
        boolean closed;

        Conn(RespClient client) {
            this.client = client;
        }
    }

    private void awaitExpected(Conn[] conns, Transcript t, Transcript expected, int step) {
        long deadline = System.nanoTime() + waitMs * 1_000_000L;
        for (int k = 0; k < conns.length; k++) {
            Conn c = conns[k];
            int want = expected.framesUpTo(k, step);
            int expectedClose = expected.closedAt(k);
            boolean wantClosed = expectedClose >= 0 && expectedClose <= step;
            while (!c.closed && (t.framesUpTo(k, step) < want || wantClosed)) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0 || !readOne(c, t, k, step, (int) left)) {
                    if (!c.closed) {
                        int missing = want - t.framesUpTo(k, step);
                        t.stall("c" + k + ": after step " + step + ", " + (missing > 0 ? missing + " frame(s)"
                                : "the close") + " " + expected.server() + " had were not received within "
                                + waitMs + " ms");
                        degrade();
                    }
                    break;
                }
            }
        }
    }

    /** Reads one frame (or the close) within the timeout; false on timeout. */
    private static boolean readOne(Conn c, Transcript t, int k, int step, int timeoutMs) {
        try {
            c.client.timeout(Math.max(1, timeoutMs));
            Resp r = c.client.read();
            t.add(k, new Transcript.Frame(step, r));
            return true;
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof SocketTimeoutException) {
                return false;
            }
            c.closed = true;
            t.add(k, new Transcript.Closed(step));
            return true;
        }
    }

    /** Reads every frame already received, on every open connection. */
    private void drain(Conn[] conns, Transcript t, int step) {
        for (int k = 0; k < conns.length; k++) {
            Conn c = conns[k];
            while (!c.closed && available(c) > 0) {
                readOne(c, t, k, step, replyTimeoutMs);
            }
        }
    }

    /** After a CLIENT KILL or QUIT: which connections did the server close? */
    private void probeClosed(Conn[] conns, Transcript t, int step) {
        for (int k = 0; k < conns.length; k++) {
            Conn c = conns[k];
            while (!c.closed && readOne(c, t, k, step, 1)) {
                // frames first, then the close (or a timeout: still open)
            }
        }
    }

    /**
     * Two PING round trips on the admin connection, then, against a reference transcript, the
     * same view of the server: busy (a script past busy-reply-threshold answers BUSY) or not. A
     * server that starts a script asynchronously is polled until it shows the script running, and
     * one whose script outlives the SCRIPT KILL that ended Redis's until it stops. A step holding
     * a script also waits for a script of the harness's own (EVAL_RO) on a server under
     * comparison: a server that hands scripts to another thread runs them in arrival order there.
     */
    private void settle(Dialog.Step s, Transcript t, Transcript expected, int step) {
        adminCall("PING");
        boolean busy = isBusy(adminCall("PING"));
        if (busy && kills(s)) {
            // a killed script stops at its next check: Redis may still answer BUSY meanwhile
            long deadline = System.nanoTime() + replyTimeoutMs * 1_000_000L;
            while (busy && System.nanoTime() < deadline) {
                sleep(1);
                busy = isBusy(adminCall("PING"));
            }
        }
        if (expected != null) {
            boolean want = expected.busyAfter(step);
            long deadline = System.nanoTime() + waitMs * 1_000_000L;
            while (busy != want && System.nanoTime() < deadline) {
                sleep(2);
                busy = isBusy(adminCall("PING"));
            }
            if (busy != want) {
                t.settle("after step " + step + " " + expected.server() + (want ? " was busy running a script, "
                        : " was not busy, ") + name + (busy ? " still was" : " was not") + " after " + waitMs
                        + " ms");
                degrade();
            }
            if (!busy && holdsScript(s)) {
                adminCall("EVAL_RO", "return 1", "0");
            }
            int k = s.client();
            if (!busy && expected.framesUpTo(k, step) == (step == 0 ? 0 : expected.framesUpTo(k, step - 1))) {
                List<String> last = s.commands().get(s.commands().size() - 1);
                awaitShown(ids[k], Dialog.commandName(last));
            }
        }
        t.busyAfter(step, busy);
    }

    /**
     * For a step that answered nothing on the reference (silent, blocked or held): polls CLIENT
     * LIST, for at most 50 ms, until the connection shows the step's last command as its last one
     * and no unread input, or shows it is blocked (flag b: a blocking pop or CLIENT PAUSE; what it
     * sent after waits on every server). A server that runs a connection's input later than it
     * acknowledges others' requests is given that time before the next step; past it the harness
     * goes on.
     */
    private void awaitShown(String id, String command) {
        long deadline = System.nanoTime() + 50_000_000L;
        while (System.nanoTime() < deadline) {
            String line = " " + adminCall("CLIENT", "LIST", "ID", id).asText().trim() + " ";
            if (line.contains(" cmd=" + command + " ") && line.contains(" qbuf=0 ")
                    || line.matches(".* flags=[A-Za-z]*b[A-Za-z]* .*")) {
                return;
            }
            sleep(1);
        }
    }

    /** The run has failed already: later waits only collect what is there. */
    private void degrade() {
        waitMs = Math.min(waitMs, 100);
    }

    private static boolean isBusy(Resp r) {
        return r instanceof Resp.Err e && e.message().startsWith("BUSY");
    }

    private static boolean kills(Dialog.Step s) {
        for (List<String> cmd : s.commands()) {
            String n = Dialog.commandName(cmd);
            if (n.equals("script|kill") || n.equals("function|kill")) {
                return true;
            }
        }
        return false;
    }

    private static boolean holdsScript(Dialog.Step s) {
        for (List<String> cmd : s.commands()) {
            String n = Dialog.commandName(cmd);
            if (n.startsWith("eval") || n.startsWith("fcall") || n.equals("exec")) {
                return true;
            }
        }
        return false;
    }

    private Resp adminCall(String... args) {
        try {
            return admin.call(args);
        } catch (UncheckedIOException e) {
            admin.close();
            if (e.getCause() instanceof SocketTimeoutException) {
                admin = new RespClient("127.0.0.1", port, ADMIN_TIMEOUT_MS);
                throw new Stuck(name + " did not answer " + String.join(" ", args) + " on the harness's connection"
                        + " within " + ADMIN_TIMEOUT_MS + " ms");
            }
            admin = new RespClient("127.0.0.1", port, ADMIN_TIMEOUT_MS);
            return admin.call(args);
        }
    }

    private void reset() {
        adminCall("SCRIPT", "KILL");
        adminCall("CLIENT", "UNPAUSE");
        Resp r = adminCall("FLUSHALL");
        if (r instanceof Resp.Err e) {
            throw new Stuck(name + " refused FLUSHALL before the dialog: " + e);
        }
    }

    private static byte[] encode(List<List<String>> commands, String[] ids, String[] addrs) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (List<String> cmd : commands) {
            byte[][] args = new byte[cmd.size()][];
            for (int i = 0; i < args.length; i++) {
                args[i] = substitute(cmd.get(i), ids, addrs).getBytes(StandardCharsets.UTF_8);
            }
            out.writeBytes(RespClient.encode(args));
        }
        return out.toByteArray();
    }

    /** {@code $c2.id} and {@code $c2.addr} become that connection's id and address on this server. */
    static String substitute(String arg, String[] ids, String[] addrs) {
        if (arg.length() > 3 && arg.startsWith("$c")) {
            int i = arg.charAt(2) - '0';
            if (i >= 0 && i < ids.length) {
                if (arg.endsWith(".id")) {
                    return ids[i];
                }
                if (arg.endsWith(".addr")) {
                    return addrs[i];
                }
            }
        }
        return arg;
    }

    private static String field(String clientInfo, String name) {
        for (String kv : clientInfo.trim().split(" ")) {
            if (kv.startsWith(name + "=")) {
                return kv.substring(name.length() + 1);
            }
        }
        throw new IllegalStateException("CLIENT INFO without " + name + ": " + clientInfo);
    }

    private static void sleep(int ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int available(Conn c) {
        return c.client.available();
    }

    @Override
    public void close() {
        admin.close();
    }
}
