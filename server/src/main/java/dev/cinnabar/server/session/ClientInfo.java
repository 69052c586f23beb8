package dev.cinnabar.server.session;

import dev.cinnabar.server.command.CommandSpec;

/**
 * The one-line description of a client that CLIENT LIST, CLIENT INFO and log lines use: exactly
 * Redis 7.0's fields, in Redis's order (no field of later versions, such as 7.2's lib-name).
 *
 * <p>Where Redis reports a C-level buffer that has no twin here the nearest real figure is given:
 * qbuf/qbuf-free are the unparsed bytes and free room of the connection's input buffer, rbs/rbp
 * the size the cron gives the client's reply buffer and its peak fill ({@link ReplyBuffer}); of the
 * output waiting for the socket, obl is what fits in the reply buffer and omem what does not (all
 * of it then, as Redis's buffer is written first and the rest waits in its reply list; for a
 * replica its part of the shared replication buffer), oll counts the buffers queued; fd is the socket's
 * descriptor with the native transport and -1 otherwise. argv-mem is, as in Redis, the bytes of
 * the arguments the client holds: those of the command it is running or blocked in, plus those of
 * a request still being received. multi-mem counts the commands queued in MULTI and the WATCHed
 * keys, tot-mem is the client's whole memory as client eviction accounts it ({@link ClientMemory}).
 */
public final class ClientInfo {
    private ClientInfo() {
    }

    public static String describe(Client c) {
        Connection conn = c.connection();
        long now = c.server().clock().millis();
        long qbuf = conn == null ? 0 : conn.queryBufferBytes();
        long qfree = conn == null ? 0 : conn.queryBufferFree();
        ClientMemory mem = c.server().clients().memory();
        long argvMem = ClientMemory.argvBytes(c);
        long multiMem = mem.multiBytes(c);
        long omem = mem.outputBytes(c);
        int oll = conn == null ? 0 : conn.pendingOutputBuffers();
        ReplyBuffer rb = conn == null ? null : conn.replyBuffer();
        int rbs = rb == null ? 0 : rb.size();
        int rbp = rb == null ? 0 : rb.peak();
        long totMem = mem.usage(c);
        CommandSpec last = c.lastCmd();
        StringBuilder sb = new StringBuilder(300);
        sb.append("id=").append(c.id())
                .append(" addr=").append(conn == null ? "" : conn.peerAddress())
                .append(" laddr=").append(conn == null ? "" : conn.localAddress())
                .append(" fd=").append(conn == null ? -1 : conn.fd())
                .append(" name=").append(c.name() == null ? "" : c.name())
                .append(" age=").append(now / 1000 - c.createdMillis() / 1000)
                .append(" idle=").append(now / 1000 - c.lastInteractionMillis() / 1000)
                .append(" flags=").append(ClientFlags.letters(c.blocked() || conn != null && conn.postponed() ? c.flags | ClientFlags.BLOCKED : c.flags))
                .append(" db=").append(c.db().id())
                .append(" sub=").append(c.subscriptions)
                .append(" psub=").append(c.patternSubscriptions)
                .append(" ssub=").append(c.shardSubscriptions)
                .append(" multi=").append(c.queuedCommands)
                .append(" qbuf=").append(qbuf)
                .append(" qbuf-free=").append(qfree)
                .append(" argv-mem=").append(argvMem)
                .append(" multi-mem=").append(multiMem)
                .append(" rbs=").append(rbs)
                .append(" rbp=").append(rbp)
                .append(" obl=").append(mem.bufferedOutput(c))
                .append(" oll=").append(oll)
                .append(" omem=").append(omem)
                .append(" tot-mem=").append(totMem)
                .append(" events=").append(conn != null && conn.writePending() ? "rw" : "r")
                .append(" cmd=").append(last == null ? "NULL" : last.fullName())
                .append(" user=").append(c.user())
                .append(" redir=").append(c.trackingRedirect)
                .append(" resp=").append(c.protocol());
        return sb.toString();
    }
}
