package dev.cinnabar.server.net.tls;

import dev.cinnabar.server.ServerContext;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * First handler of a plaintext connection: if its first bytes are a TLS handshake record (0x16
 * 0x03, a TLS client on the plain port), the connection is logged as a failed accept and
 * closed. Redis would take the ClientHello for an inline command and wait for a newline while
 * the client waits for the server's hello, both until a timeout. Any other first read removes
 * this handler, so it costs one check per connection.
 */
public final class PlainPortGuard extends ChannelInboundHandlerAdapter {
    private final ServerContext server;

    public PlainPortGuard(ServerContext server) {
        this.server = server;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b && b.isReadable() && b.getByte(b.readerIndex()) == 0x16
                && (b.readableBytes() < 2 || b.getByte(b.readerIndex() + 1) == 0x03)) {
            Tls.release(msg);
            server.log().warning("Error accepting a client connection: a TLS handshake on the plaintext port (addr="
                    + TlsAcceptHandler.addr(ctx.channel().remoteAddress()) + " laddr="
                    + TlsAcceptHandler.addr(ctx.channel().localAddress()) + ")");
            ctx.close();
            return;
        }
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(msg);
    }
}
