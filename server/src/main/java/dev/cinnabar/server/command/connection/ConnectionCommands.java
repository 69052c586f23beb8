package dev.cinnabar.server.command.connection;

import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Authenticator;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.session.ClientFlags;
import dev.cinnabar.server.store.Numbers;

/**
 * Connection commands: AUTH, HELLO, PING, ECHO, SELECT, QUIT, RESET; the CLIENT container lives
 * in {@link ClientCommands}.
 *
 * <p>Authentication goes through the registry's {@link Authenticator} (requirepass until the ACL
 * feature installs its own). RESET clears other features' state through the reset listeners they
 * register ({@code clients().addResetListener}), then the connection's own state.
 */
public final class ConnectionCommands implements CommandFamily {
    /** The version HELLO reports: the Redis release whose behaviour we follow. */
    public static final String REDIS_VERSION = "7.0.15";

    @Override
    public void register(CommandTable t) {
        t.bind("ping", this::ping);
        t.bind("echo", this::echo);
        t.bind("select", this::select);
        t.bind("quit", this::quit);
        t.bind("auth", this::auth);
        t.bind("hello", this::hello);
        t.bind("reset", this::reset);
        new ClientCommands().register(t);
    }

    void ping(Client c) {
        if (c.argc() > 2) {
            c.error(Errors.wrongArgs("ping"));
            return;
        }
        // In the RESP2 subscribed context (PUBSUB flag, set by the pub/sub feature) PING answers
        // with a two-element array, as a pub/sub message would look.
        if (c.protocol() == 2 && (c.flags & ClientFlags.PUBSUB) != 0) {
            Reply r = c.reply();
            r.array(2);
            r.bulk("pong");
            if (c.argc() == 1) {
                r.bulk(Texts.bytes(""));
            } else {
                r.bulk(c.arg(1));
            }
            return;
        }
        if (c.argc() == 1) {
            c.reply().simple("PONG");
        } else {
            c.reply().bulk(c.arg(1));
        }
    }

    void echo(Client c) {
        c.reply().bulk(c.arg(1));
    }

    void select(Client c) {
        Long idx = Numbers.parseLong(c.arg(1));
        if (idx == null) {
            c.error(Errors.NOT_INTEGER);
            return;
        }
        if (idx < Integer.MIN_VALUE || idx > Integer.MAX_VALUE) {
            c.error("ERR value is out of range, value must between -2147483648 and 2147483647");
            return;
        }
        if (idx < 0 || idx >= c.server().keyspace().count()) {
            c.error(Errors.INVALID_DB);
            return;
        }
        c.select(idx.intValue());
        c.reply().ok();
    }

    void quit(Client c) {
        c.reply().ok();
        c.closeAfterReply(true);
    }

    void auth(Client c) {
        if (c.argc() > 3) {
            c.error(Errors.SYNTAX);
            return;
        }
        Authenticator auth = c.server().clients().authenticator();
        String user;
        byte[] password;
        if (c.argc() == 2) {
            if (auth.defaultUserHasNoPassword()) {
                c.error(Errors.AUTH_NO_PASSWORD);
                return;
            }
            user = "default";
            password = c.arg(1);
        } else {
            user = Texts.str(c.arg(1));
            password = c.arg(2);
        }
        if (authenticate(c, user, password)) {
            c.reply().ok();
        }
    }

    /** Checks credentials; on success the client is authenticated as user, else WRONGPASS is sent. */
    private static boolean authenticate(Client c, String user, byte[] password) {
        Authenticator auth = c.server().clients().authenticator();
        if (auth.check(user, password) != Authenticator.Result.OK) {
            c.server().stats().aclDeniedAuth++;
            auth.failed(c, user, Texts.str(c.arg(0)));
            c.error(Errors.WRONGPASS);
            return false;
        }
        c.authenticated(true);
        c.user(user);
        auth.loggedIn(c, user);
        return true;
    }

    void hello(Client c) {
        int version = 0;
        if (c.argc() >= 2) {
            Long v = Numbers.parseLong(c.arg(1));
            if (v == null) {
                c.error(Errors.HELLO_PROTOVER);
                return;
            }
            if (v < 2 || v > 3) {
                c.error(Errors.NOPROTO);
                return;
            }
            version = v.intValue();
        }
        byte[] name = null;
        // As Redis 7.0.15 does, options take effect as they are parsed: AUTH authenticates at
        // once and SETNAME validates at once, so a later syntax error comes after their errors.
        for (int j = 2; j < c.argc(); j++) {
            int more = c.argc() - 1 - j;
            byte[] opt = c.arg(j);
            if (Texts.is(opt, "auth") && more >= 2) {
                if (!authenticate(c, Texts.str(c.arg(j + 1)), c.arg(j + 2))) {
                    return;
                }
                j += 2;
            } else if (Texts.is(opt, "setname") && more >= 1) {
                name = c.arg(j + 1);
                if (!ClientCommands.validName(name)) {
                    c.error(Errors.CLIENT_NAME);
                    return;
                }
                j++;
            } else {
                c.error(Errors.helloSyntax(Texts.str(opt)));
                return;
            }
        }
        if (!c.authenticated()) {
            c.error(Errors.HELLO_NOAUTH);
            return;
        }
        if (name != null) {
            c.name(name.length == 0 ? null : Texts.str(name));
        }
        if (version != 0) {
            c.protocol(version);
        }
        Reply r = c.reply();
        r.map(7);
        r.bulk("server");
        r.bulk("redis");
        r.bulk("version");
        r.bulk(REDIS_VERSION);
        r.bulk("proto");
        r.integer(c.protocol());
        r.bulk("id");
        r.integer(c.id());
        r.bulk("mode");
        r.bulk("standalone");
        r.bulk("role");
        r.bulk(c.server().isReplica() ? "replica" : "master");
        r.bulk("modules");
        r.array(0);
    }

    void reset(Client c) {
        c.server().clients().reset(c);
        c.flags &= ~ClientFlags.READONLY;
        if (c.replyMode != Client.REPLY_SKIP) { // as Redis, RESET ends OFF but not a SKIP of itself
            c.replyMode = Client.REPLY_ON;
        }
        c.select(0);
        c.protocol(2);
        c.name(null);
        c.user("default");
        c.server().clients().authenticator().reset(c);
        c.authenticated(c.server().clients().authenticator().defaultUserImplicit());
        c.reply().simple("RESET");
    }
}
