package dev.cinnabar.server.net;

import dev.cinnabar.server.config.ServerConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Protected mode, as Redis 7.0 applies it: with protected-mode on and no password for the default
 * user, connections from any peer other than exactly 127.0.0.1 or ::1 get the DENIED error and are
 * closed. Unlike Redis 6, the bind setting plays no part (7.0 dropped that condition).
 */
final class ProtectedMode {
    private ProtectedMode() {
    }

    static final String DENIED = "-DENIED Redis is running in protected mode because protected mode is enabled and no"
            + " password is set for the default user. In this mode connections are only accepted from the loopback"
            + " interface. If you want to connect from external computers to Redis you may adopt one of the"
            + " following solutions: 1) Just disable protected mode sending the command 'CONFIG SET"
            + " protected-mode no' from the loopback interface by connecting to Redis from the same host the server"
            + " is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use"
            + " CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected"
            + " mode by editing the Redis configuration file, and setting the protected mode option to 'no', and"
            + " then restarting the server. 3) If you started the server manually just for testing, restart it with"
            + " the '--protected-mode no' option. 4) Setup a an authentication password for the default user."
            + " NOTE: You only need to do one of the above things in order for the server to start accepting"
            + " connections from the outside.\r\n";

    /** The reply to send before closing, or null when the connection is allowed. */
    static String check(ServerConfig c, SocketAddress remote) {
        if (!c.protectedMode || c.authRequired()) {
            return null;
        }
        if (remote instanceof InetSocketAddress i && i.getAddress() != null && !isLocal(i.getAddress())) {
            return DENIED;
        }
        return null;
    }

    /** Redis compares the peer's text form with "127.0.0.1" and "::1" only (not all of 127/8). */
    static boolean isLocal(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length == 4) {
            return b[0] == 127 && b[1] == 0 && b[2] == 0 && b[3] == 1;
        }
        if (a.isLoopbackAddress()) {
            return true;
        }
        // An IPv4-mapped loopback on a dual-stack socket prints as 127.0.0.1 too.
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff && b[12] == 127 && b[13] == 0 && b[14] == 0
                && b[15] == 1;
    }
}
