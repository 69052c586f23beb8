package dev.cinnabar.server.command.connection;

import dev.cinnabar.server.blocking.Timeouts;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.session.ClientFlags;
import dev.cinnabar.server.session.ClientInfo;
import dev.cinnabar.server.session.ClientPause;
import dev.cinnabar.server.session.Connection;
import dev.cinnabar.server.store.Numbers;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The CLIENT container: ID, SETNAME, GETNAME, LIST, INFO, KILL, PAUSE, UNPAUSE, REPLY, NO-EVICT,
 * SETINFO (Redis 7.2, sent by Jedis and redis-py on connect; metadata in commands-extra.json) and
 * HELP. TRACKING/CACHING/GETREDIR/TRACKINGINFO belong to client-side caching, UNBLOCK to blocking.
 */
final class ClientCommands {
    void register(CommandTable t) {
        t.bind("client", "id", this::clientId);
        t.bind("client", "setname", this::clientSetname);
        t.bind("client", "getname", this::clientGetname);
        t.bind("client", "list", this::clientList);
        t.bind("client", "info", this::clientInfo);
        t.bind("client", "kill", this::clientKill);
        t.bind("client", "pause", this::clientPause);
        t.bind("client", "unpause", this::clientUnpause);
        t.bind("client", "reply", this::clientReply);
        t.bind("client", "no-evict", this::clientNoEvict);
        t.bind("client", "setinfo", this::clientSetinfo);
        t.bind("client", "help", this::clientHelp);
    }

    /** Names (and lib-name/lib-ver) may only hold printable ASCII other than space. */
    static boolean validName(byte[] name) {
        for (byte b : name) {
            if (b < '!' || b > '~') {
                return false;
            }
        }
        return true;
    }

    void clientId(Client c) {
        c.reply().integer(c.id());
    }

    void clientSetname(Client c) {
        byte[] name = c.arg(2);
        if (!validName(name)) {
            c.error(Errors.CLIENT_NAME);
            return;
        }
        c.name(name.length == 0 ? null : Texts.str(name));
        c.reply().ok();
    }

    void clientGetname(Client c) {
        if (c.name() == null) {
            c.reply().nullBulk();
        } else {
            c.reply().bulk(c.name());
        }
    }

    void clientSetinfo(Client c) {
        byte[] attr = c.arg(2);
        boolean libName = Texts.is(attr, "lib-name");
        if (!libName && !Texts.is(attr, "lib-ver")) {
            c.error("ERR Unrecognized option '" + Texts.str(attr) + "'");
            return;
        }
        byte[] v = c.arg(3);
        if (!validName(v)) {
            c.error("ERR " + Texts.str(attr) + " cannot contain spaces, newlines or special characters.");
            return;
        }
        String value = v.length == 0 ? null : Texts.str(v);
        if (libName) {
            c.libName(value);
        } else {
            c.libVersion(value);
        }
        c.reply().ok();
    }

    private static List<Client> byId(Client c) {
        List<Client> all = new ArrayList<>(c.server().clients().all());
        all.sort(Comparator.comparingLong(Client::id));
        return all;
    }

    void clientList(Client c) {
        ClientFlags.Type type = null;
        List<Long> ids = null;
        if (c.argc() == 4 && Texts.is(c.arg(2), "type")) {
            type = ClientFlags.Type.parse(Texts.str(c.arg(3)));
            if (type == null) {
                c.error(Errors.unknownClientType(Texts.str(c.arg(3))));
                return;
            }
        } else if (c.argc() > 3 && Texts.is(c.arg(2), "id")) {
            ids = new ArrayList<>();
            for (int j = 3; j < c.argc(); j++) {
                Long id = Numbers.parseLong(c.arg(j));
                if (id == null) {
                    c.error(Errors.INVALID_CLIENT_ID);
                    return;
                }
                ids.add(id);
            }
        } else if (c.argc() != 2) {
            c.error(Errors.SYNTAX);
            return;
        }
        StringBuilder sb = new StringBuilder();
        if (ids != null) {
            for (long id : ids) {
                Client x = c.server().clients().get(id);
                if (x != null) {
                    sb.append(ClientInfo.describe(x)).append('\n');
                }
            }
        } else {
            for (Client x : byId(c)) {
                if (type == null || ClientFlags.type(x.flags) == type) {
                    sb.append(ClientInfo.describe(x)).append('\n');
                }
            }
        }
        c.reply().verbatim("txt", sb.toString());
    }

    void clientInfo(Client c) {
        c.reply().verbatim("txt", ClientInfo.describe(c) + "\n");
    }

    void clientKill(Client c) {
        if (c.argc() == 3) {
            String addr = Texts.str(c.arg(2));
            for (Client x : byId(c)) {
                Connection conn = x.connection();
                if (conn != null && conn.peerAddress().equals(addr)) {
                    c.reply().ok();
                    kill(c, x);
                    return;
                }
            }
            c.error(Errors.NO_SUCH_CLIENT);
            return;
        }
        if ((c.argc() - 2) % 2 != 0) {
            c.error(Errors.SYNTAX);
            return;
        }
        long id = 0;
        ClientFlags.Type type = null;
        String user = null;
        String addr = null;
        String laddr = null;
        boolean skipme = true;
        for (int i = 2; i < c.argc(); i += 2) {
            byte[] opt = c.arg(i);
            byte[] val = c.arg(i + 1);
            if (Texts.is(opt, "id")) {
                Long v = Numbers.parseLong(val);
                if (v == null || v <= 0) {
                    c.error(Errors.CLIENT_ID_POSITIVE);
                    return;
                }
                id = v;
            } else if (Texts.is(opt, "type")) {
                type = ClientFlags.Type.parse(Texts.str(val));
                if (type == null) {
                    c.error(Errors.unknownClientType(Texts.str(val)));
                    return;
                }
            } else if (Texts.is(opt, "addr")) {
                addr = Texts.str(val);
            } else if (Texts.is(opt, "laddr")) {
                laddr = Texts.str(val);
            } else if (Texts.is(opt, "user")) {
                user = Texts.str(val);
                if (!c.server().clients().authenticator().userExists(user)) {
                    c.error(Errors.noSuchUser(user));
                    return;
                }
            } else if (Texts.is(opt, "skipme")) {
                if (Texts.is(val, "yes")) {
                    skipme = true;
                } else if (Texts.is(val, "no")) {
                    skipme = false;
                } else {
                    c.error(Errors.SYNTAX);
                    return;
                }
            } else {
                c.error(Errors.SYNTAX);
                return;
            }
        }
        List<Client> victims = new ArrayList<>();
        for (Client x : byId(c)) {
            Connection conn = x.connection();
            if (conn == null
                    || addr != null && !conn.peerAddress().equals(addr)
                    || laddr != null && !conn.localAddress().equals(laddr)
                    || type != null && ClientFlags.type(x.flags) != type
                    || id != 0 && x.id() != id
                    || user != null && !user.equals(x.user())
                    || x == c && skipme) {
                continue;
            }
            victims.add(x);
        }
        c.reply().integer(victims.size());
        for (Client x : victims) {
            kill(c, x);
        }
    }

    /** Closes x; the calling client itself is closed after its reply is written. */
    private static void kill(Client self, Client x) {
        if (x == self) {
            self.closeAfterReply(true);
        } else {
            x.flags |= ClientFlags.CLOSE_ASAP;
            x.connection().close();
        }
    }

    void clientPause(Client c) {
        long timeout = Timeouts.millisOrReply(c, c.arg(2));
        if (timeout < 0) {
            return;
        }
        ClientPause.Mode mode = ClientPause.Mode.ALL;
        if (c.argc() == 4) {
            if (Texts.is(c.arg(3), "write")) {
                mode = ClientPause.Mode.WRITE;
            } else if (!Texts.is(c.arg(3), "all")) {
                c.error(Errors.PAUSE_MODE);
                return;
            }
        } else if (c.argc() > 4) {
            c.error(Errors.subcommandSyntax(Texts.str(c.arg(1)), "client"));
            return;
        }
        long now = c.server().now();
        long end = timeout > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + timeout;
        c.server().clients().pause().pause(mode, end);
        c.reply().ok();
    }

    void clientUnpause(Client c) {
        c.server().clients().pause().unpause();
        c.reply().ok();
    }

    void clientReply(Client c) {
        byte[] mode = c.arg(2);
        if (Texts.is(mode, "on")) {
            c.replyMode = Client.REPLY_ON;
            c.reply().ok();
        } else if (Texts.is(mode, "off")) {
            c.replyMode = Client.REPLY_OFF;
        } else if (Texts.is(mode, "skip")) {
            if (c.replyMode != Client.REPLY_OFF) {
                c.replyMode = Client.REPLY_SKIP_NEXT;
            }
        } else {
            c.error(Errors.SYNTAX);
        }
    }

    void clientNoEvict(Client c) {
        if (Texts.is(c.arg(2), "on")) {
            c.flags |= ClientFlags.NO_EVICT;
        } else if (Texts.is(c.arg(2), "off")) {
            c.flags &= ~ClientFlags.NO_EVICT;
        } else {
            c.error(Errors.SYNTAX);
            return;
        }
        c.reply().ok();
    }

    private static final String[] HELP = {
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GETNAME",
        "    The name given to this connection with SETNAME or HELLO, or null.",
        "ID",
        "    The unique id of this connection.",
        "INFO",
        "    This connection's line of CLIENT LIST.",
        "KILL <ip:port>",
        "    Close the connection whose peer is <ip:port>.",
        "KILL <filter> <value> [<filter> <value> ...]",
        "    Close every connection matching all filters; replies with how many were closed. Filters:",
        "    * ID <client-id>",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "    * USER <username>",
        "    * ADDR <ip:port>        the peer's address",
        "    * LADDR <ip:port>       the local address the peer connected to",
        "    * SKIPME (YES|NO)       whether the calling connection is exempt (default YES)",
        "LIST [TYPE (NORMAL|MASTER|REPLICA|PUBSUB)] [ID <client-id> ...]",
        "    One line of fields per connection, optionally filtered.",
        "NO-EVICT (ON|OFF)",
        "    Exempt this connection from client eviction, or not.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Hold the commands of all clients (ALL) or their writes (WRITE) for <timeout> milliseconds.",
        "REPLY (ON|OFF|SKIP)",
        "    Turn replies to this connection on or off, or drop the reply of the next command.",
        "SETINFO (LIB-NAME|LIB-VER) <value>",
        "    Record the client library's name or version (shown by LIST and INFO).",
        "SETNAME <name>",
        "    Name this connection; an empty name removes it.",
        "UNPAUSE",
        "    End a PAUSE now.",
        "HELP",
        "    Print this help.",
    };

    void clientHelp(Client c) {
        Reply r = c.reply();
        r.array(HELP.length);
        for (String line : HELP) {
            r.simple(line);
        }
    }
}
