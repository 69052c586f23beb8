package dev.cinnabar.server.acl;

import dev.cinnabar.server.protocol.Errors;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * An ACL user (Redis 7.0): its flags (on/off, nopass, payload sanitising), its passwords kept as
 * SHA-256 hex digests, and its selectors, the root one first. Rules are applied one at a time by
 * {@link #apply}; ACL SETUSER applies them to a copy and installs the copy only when all passed,
 * so a user never ends half-changed.
 */
final class User {
    static final int ENABLED = 1;
    static final int DISABLED = 1 << 1;
    static final int NOPASS = 1 << 2;
    static final int SKIP_SANITIZE = 1 << 3;
    static final int SANITIZE = 1 << 4;
    /** Flag names in the order ACL LIST and GETUSER print them. */
    private static final String[] FLAG_NAMES = {"on", "off", "nopass", "skip-sanitize-payload", "sanitize-payload"};
    private static final int[] FLAG_BITS = {ENABLED, DISABLED, NOPASS, SKIP_SANITIZE, SANITIZE};

    final String name;
    int flags = DISABLED;
    final List<String> passwords = new ArrayList<>();
    final List<Selector> selectors = new ArrayList<>();

    /** A new user: off, no password, no permission; channels as acl-pubsub-default says. */
    User(String name, boolean allChannelsByDefault) {
        this.name = name;
        selectors.add(new Selector(Selector.ROOT | (allChannelsByDefault ? Selector.ALLCHANNELS : 0)));
    }

    /** The default user of a fresh server: on, nopass, every key, channel and command. */
    static User createDefault(boolean allChannelsByDefault) {
        User u = new User("default", allChannelsByDefault);
        for (String op : new String[] {"+@all", "~*", "&*", "on", "nopass"}) {
            u.apply(op, false);
        }
        return u;
    }

    Selector root() {
        return selectors.get(0);
    }

    /** A copy of the rules under another name (ACL SETUSER stages changes on one). */
    User copy(String newName) {
        User u = new User(newName, false);
        u.copyFrom(this);
        return u;
    }

    /** Takes src's rules (not its name). */
    void copyFrom(User src) {
        flags = src.flags;
        passwords.clear();
        passwords.addAll(src.passwords);
        selectors.clear();
        for (Selector s : src.selectors) {
            selectors.add(s.copy());
        }
    }

    boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /**
     * Applies one rule (a user rule, a selector rule for the root selector, or "(...)" for a new
     * selector); null when applied, else Redis's description of the problem. {@code allChannels}
     * is acl-pubsub-default (for reset and new selectors).
     */
    String apply(String op, boolean allChannels) {
        if (op.isEmpty()) {
            return null;
        }
        if (op.equalsIgnoreCase("on")) {
            flags = (flags | ENABLED) & ~DISABLED;
        } else if (op.equalsIgnoreCase("off")) {
            flags = (flags | DISABLED) & ~ENABLED;
        } else if (op.equalsIgnoreCase("skip-sanitize-payload")) {
            flags = (flags | SKIP_SANITIZE) & ~SANITIZE;
        } else if (op.equalsIgnoreCase("sanitize-payload")) {
            flags = (flags | SANITIZE) & ~SKIP_SANITIZE;
        } else if (op.equalsIgnoreCase("nopass")) {
            flags |= NOPASS;
            passwords.clear();
        } else if (op.equalsIgnoreCase("resetpass")) {
            flags &= ~NOPASS;
            passwords.clear();
        } else if (op.charAt(0) == '>' || op.charAt(0) == '#') {
            String hash = op.charAt(0) == '>' ? hash(Bin.bytes(op.substring(1))) : op.substring(1);
            if (op.charAt(0) == '#' && !validHash(hash)) {
                return Errors.ACL_RULE_BAD_HASH;
            }
            if (!passwords.contains(hash)) {
                passwords.add(hash);
            }
            flags &= ~NOPASS;
        } else if (op.charAt(0) == '<' || op.charAt(0) == '!') {
            String hash = op.charAt(0) == '<' ? hash(Bin.bytes(op.substring(1))) : op.substring(1);
            if (op.charAt(0) == '!' && !validHash(hash)) {
                return Errors.ACL_RULE_BAD_HASH;
            }
            if (!passwords.remove(hash)) {
                return Errors.ACL_RULE_NO_SUCH_PASSWORD;
            }
        } else if (op.charAt(0) == '(' && op.charAt(op.length() - 1) == ')') {
            Selector s = new Selector(allChannels ? Selector.ALLCHANNELS : 0);
            for (String inner : Rules.splitArgs(op.substring(1, op.length() - 1))) {
                String problem = s.apply(inner);
                if (problem != null) {
                    return problem;
                }
            }
            selectors.add(s);
        } else if (op.equalsIgnoreCase("clearselectors")) {
            selectors.subList(1, selectors.size()).clear();
        } else if (op.equalsIgnoreCase("reset")) {
            for (String r : new String[] {"resetpass", "resetkeys", "resetchannels"}) {
                apply(r, allChannels);
            }
            if (allChannels) {
                apply("allchannels", true);
            }
            for (String r : new String[] {"off", "sanitize-payload", "clearselectors", "-@all"}) {
                apply(r, allChannels);
            }
        } else {
            return root().apply(op);
        }
        return null;
    }

    /** True when this user may log in with the password (enabled, and nopass or a matching digest). */
    boolean accepts(byte[] password) {
        if (has(DISABLED)) {
            return false;
        }
        if (has(NOPASS)) {
            return true;
        }
        byte[] given = hash(password).getBytes(StandardCharsets.US_ASCII);
        boolean ok = false;
        for (String p : passwords) {
            ok |= MessageDigest.isEqual(given, p.getBytes(StandardCharsets.US_ASCII));
        }
        return ok;
    }

    /** The user's flags, in print order. */
    List<String> flagNames() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < FLAG_BITS.length; i++) {
            if (has(FLAG_BITS[i])) {
                out.add(FLAG_NAMES[i]);
            }
        }
        return out;
    }

    /** Everything but the name, as ACL LIST and the ACL file write it. */
    String describe() {
        StringBuilder b = new StringBuilder();
        for (String f : flagNames()) {
            b.append(f).append(' ');
        }
        for (String p : passwords) {
            b.append('#').append(p).append(' ');
        }
        for (Selector s : selectors) {
            if (s.has(Selector.ROOT)) {
                b.append(s.describe());
            } else {
                b.append(" (").append(s.describe()).append(')');
            }
        }
        return b.toString();
    }

    static String hash(byte[] password) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(password));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JVM", e);
        }
    }

    private static boolean validHash(String h) {
        if (h.length() != 64) {
            return false;
        }
        for (int i = 0; i < h.length(); i++) {
            char c = h.charAt(i);
            if ((c < 'a' || c > 'f') && (c < '0' || c > '9')) {
                return false;
            }
        }
        return true;
    }
}
