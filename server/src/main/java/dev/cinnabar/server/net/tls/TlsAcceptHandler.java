package dev.cinnabar.server.net.tls;

import dev.cinnabar.server.ServerContext;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import javax.net.ssl.SSLException;

/**
 * Sits after the TLS engine of an accepted connection: a failed handshake (a plaintext client, a
 * certificate from another CA with tls-auth-clients yes, no certificate, a protocol or cipher
 * mismatch, a peer silent for 10 seconds) is logged once as Redis logs it, {@code Error accepting
 * a client connection: <reason> (addr=... laddr=...)}, and the connection closed. The reason is
 * our short text, never the peer's bytes (a plaintext AUTH must not reach the log). TLS errors
 * after the handshake close the connection too, without reaching the client handler.
 */
final class TlsAcceptHandler extends ChannelInboundHandlerAdapter {
    private final ServerContext server;
    private boolean reported;

    TlsAcceptHandler(ServerContext server) {
        this.server = server;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent e && !e.isSuccess()) {
            report(ctx, e.cause());
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (isTls(cause)) {
            report(ctx, cause);
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    private void report(ChannelHandlerContext ctx, Throwable cause) {
        if (reported) {
            return;
        }
        reported = true;
        String line = "Error accepting a client connection: " + reason(cause) + " (addr="
                + addr(ctx.channel().remoteAddress()) + " laddr=" + addr(ctx.channel().localAddress()) + ")";
        if (cause instanceof ClosedChannelException || (cause != null && cause.getCause() instanceof ClosedChannelException)) {
            server.log().verbose(line); // the peer went away before a handshake (a port probe)
        } else {
            server.log().warning(line);
        }
    }

    private static boolean isTls(Throwable t) {
        return t instanceof SSLException || (t instanceof DecoderException && t.getCause() instanceof SSLException);
    }

    /** A short reason for the log: the TLS library's first line, never the peer's data. */
    static String reason(Throwable t) {
        Throwable c = t instanceof DecoderException && t.getCause() != null ? t.getCause() : t;
        if (c instanceof NotSslRecordException) {
            return "not a TLS record (a plaintext client on the TLS port?)";
        }
        if (c instanceof SslHandshakeTimeoutException) {
            return "TLS handshake timed out";
        }
        if (c instanceof ClosedChannelException || c == null) {
            return "connection closed during the TLS handshake";
        }
        String m = c.getMessage();
        if (m == null) {
            return c.getClass().getSimpleName();
        }
        int nl = m.indexOf('\n');
        m = nl < 0 ? m : m.substring(0, nl);
        return m.length() > 200 ? m.substring(0, 200) : m;
    }

    static String addr(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            String host = i.getAddress() == null ? i.getHostString() : i.getAddress().getHostAddress();
            return host + ":" + i.getPort();
        }
        return String.valueOf(a);
    }
}
