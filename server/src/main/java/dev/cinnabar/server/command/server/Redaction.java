package dev.cinnabar.server.command.server;

import dev.cinnabar.server.config.ConfigEntry;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import java.util.BitSet;
import java.util.Set;

/**
 * Which arguments of a command are secrets that SLOWLOG and MONITOR show as "(redacted)", as
 * Redis 7.0 marks them: every argument of AUTH; the user and password after HELLO's AUTH; the
 * password after MIGRATE's AUTH and the user and password after its AUTH2; the values given by
 * CONFIG SET to requirepass, masterauth and masteruser; everything after ACL SETUSER.
 *
 * <p>Options are walked as the commands parse them, so a word that only looks like "AUTH" (a key
 * or a value) is not taken for the option.
 */
final class Redaction {
    /** Configuration directives whose values are secrets (Redis's sensitive configs). */
    private static final Set<String> SENSITIVE_CONFIGS = Set.of("requirepass", "masterauth", "masteruser");

    private Redaction() {
    }

    /** The indexes of c's current arguments to hide; empty for most commands. */
    static BitSet of(Client c) {
        BitSet hide = new BitSet();
        int argc = c.argc();
        byte[] name = c.arg(0);
        if (Texts.is(name, "auth")) {
            hide.set(1, argc);
        } else if (Texts.is(name, "hello")) {
            hello(c, hide);
        } else if (Texts.is(name, "migrate")) {
            migrate(c, hide);
        } else if (Texts.is(name, "config") && argc >= 4 && Texts.is(c.arg(1), "set")) {
            for (int j = 2; j + 1 < argc; j += 2) {
                ConfigEntry e = c.server().config().entry(Texts.str(c.arg(j)));
                if (e != null && SENSITIVE_CONFIGS.contains(e.name())) {
                    hide.set(j + 1);
                }
            }
        } else if (Texts.is(name, "acl") && argc >= 3 && Texts.is(c.arg(1), "setuser")) {
            hide.set(2, argc);
        }
        return hide;
    }

    /** HELLO [protover [AUTH username password] [SETNAME clientname]]. */
    private static void hello(Client c, BitSet hide) {
        int argc = c.argc();
        for (int j = 2; j < argc; j++) {
            int more = argc - j - 1;
            if (Texts.is(c.arg(j), "auth") && more >= 2) {
                hide.set(j + 1, j + 3);
                j += 2;
            } else if (Texts.is(c.arg(j), "setname") && more >= 1) {
                j++;
            } else {
                return; // a syntax error: Redis stops parsing there
            }
        }
    }

    /** MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw | AUTH2 user pw] [KEYS key...]. */
    private static void migrate(Client c, BitSet hide) {
        int argc = c.argc();
        for (int j = 6; j < argc; j++) {
            int more = argc - j - 1;
            byte[] opt = c.arg(j);
            if (Texts.is(opt, "auth") && more >= 1) {
                hide.set(j + 1);
                j++;
            } else if (Texts.is(opt, "auth2") && more >= 2) {
                hide.set(j + 1, j + 3);
                j += 2;
            } else if (Texts.is(opt, "keys")) {
                return; // the rest are key names
            } else if (!Texts.is(opt, "copy") && !Texts.is(opt, "replace")) {
                return;
            }
        }
    }
}
