package dev.cinnabar.server.session;

import dev.cinnabar.server.config.ServerConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Checks credentials for AUTH and HELLO AUTH. The built-in one knows only the default user and
 * requirepass, as Redis without ACL rules; the ACL feature replaces it
 * ({@link ClientRegistry#authenticator(Authenticator)}).
 *
 * <p>Whatever the implementation, a {@link Result#WRONGPASS} from {@link #check} is counted by the
 * caller (AUTH, HELLO AUTH) in INFO stats' acl_access_denied_auth, so a replacement counts nothing.
 */
public interface Authenticator {
    /** The outcome of a check. */
    enum Result { OK, WRONGPASS }

    /** True when the default user needs no password (AUTH &lt;password&gt; is then an error). */
    boolean defaultUserHasNoPassword();

    /** Checks a user name and password. */
    Result check(String user, byte[] password);

    /** True when a user of that name exists (CLIENT KILL USER). */
    default boolean userExists(String user) {
        return user.equals("default");
    }

    /** Called when c authenticated as user (AUTH, HELLO AUTH): the ACL feature binds c to the user. */
    default void loggedIn(Client c, String user) {
    }

    /** Called when c failed to authenticate as user; {@code command} is what it sent (AUTH, HELLO). */
    default void failed(Client c, String user, String command) {
    }

    /** Called when c goes back to the default user (RESET). */
    default void reset(Client c) {
    }

    /** True when the default user may run commands without authenticating (new connections, RESET). */
    default boolean defaultUserImplicit() {
        return defaultUserHasNoPassword();
    }

    /** requirepass: the default user with one password, or with none when requirepass is empty. */
    static Authenticator requirepass(ServerConfig config) {
        return new Authenticator() {
            @Override
            public boolean defaultUserHasNoPassword() {
                return !config.authRequired();
            }

            @Override
            public Result check(String user, byte[] password) {
                if (!user.equals("default")) {
                    return Result.WRONGPASS;
                }
                if (!config.authRequired()) {
                    return Result.OK; // a user with nopass accepts any password
                }
                byte[] expected = config.requirepass.getBytes(StandardCharsets.UTF_8);
                return MessageDigest.isEqual(expected, password) ? Result.OK : Result.WRONGPASS;
            }
        };
    }
}
