package dev.cinnabar.server.acl;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;

/**
 * ACL LOG (Redis 7.0): the most recent denials first, at most acllog-max-len entries. A denial
 * like one of the 10 most recent entries (same reason, context, object and user, within 60
 * seconds) bumps that entry's count and moves it to the front instead of adding one, so a client
 * hammering a wrong password costs one entry.
 */
final class AclLog {
    static final int CMD = 1;
    static final int KEY = 2;
    static final int AUTH = 3;
    static final int CHANNEL = 4;

    static final int TOPLEVEL = 0;
    static final int MULTI = 1;
    static final int LUA = 2;

    private static final long GROUPING_MS = 60_000;

    static final class Entry {
        long count = 1;
        final int reason;
        final int context;
        final String object;
        final String username;
        long ctime;
        String clientInfo;

        Entry(int reason, int context, String object, String username, long ctime, String clientInfo) {
            this.reason = reason;
            this.context = context;
            this.object = object;
            this.username = username;
            this.ctime = ctime;
            this.clientInfo = clientInfo;
        }

        String reasonName() {
            return switch (reason) {
                case CMD -> "command";
                case KEY -> "key";
                case CHANNEL -> "channel";
                case AUTH -> "auth";
                default -> "unknown";
            };
        }

        String contextName() {
            return switch (context) {
                case TOPLEVEL -> "toplevel";
                case MULTI -> "multi";
                case LUA -> "lua";
                default -> "unknown";
            };
        }
    }

    private final LinkedList<Entry> entries = new LinkedList<>();

    void add(Entry e, long maxLen) {
        int scanned = 0;
        for (Iterator<Entry> it = entries.iterator(); it.hasNext() && scanned < 10; scanned++) {
            Entry old = it.next();
            if (old.reason == e.reason && old.context == e.context && Math.abs(old.ctime - e.ctime) <= GROUPING_MS
                    && old.object.equals(e.object) && old.username.equals(e.username)) {
                it.remove();
                old.clientInfo = e.clientInfo;
                old.ctime = e.ctime;
                old.count++;
                entries.addFirst(old);
                return;
            }
        }
        entries.addFirst(e);
        while (entries.size() > maxLen) {
            entries.removeLast();
        }
    }

    List<Entry> first(long n) {
        List<Entry> out = new ArrayList<>();
        for (Entry e : entries) {
            if (out.size() >= n) {
                break;
            }
            out.add(e);
        }
        return out;
    }

    void reset() {
        entries.clear();
    }
}
