package dev.cinnabar.server.tracking;

import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.util.BytesKey;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Numbers;
import java.util.ArrayList;
import java.util.List;

/** CLIENT TRACKING, CLIENT CACHING, CLIENT GETREDIR, CLIENT TRACKINGINFO (semantics in {@link Tracking}). */
public final class TrackingCommands implements CommandFamily {
    @Override
    public void register(CommandTable t) {
        t.bind("client", "tracking", this::tracking);
        t.bind("client", "caching", this::caching);
        t.bind("client", "getredir", this::getredir);
        t.bind("client", "trackinginfo", this::trackinginfo);
    }

    /** CLIENT TRACKING on|off [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]. */
    void tracking(Client c) {
        long redirect = 0;
        boolean bcast = false;
        boolean optin = false;
        boolean optout = false;
        boolean noloop = false;
        List<BytesKey> prefixes = new ArrayList<>();
        for (int j = 3; j < c.argc(); j++) {
            String opt = Texts.lower(c.arg(j));
            boolean more = j + 1 < c.argc();
            if (opt.equals("redirect") && more) {
                j++;
                if (redirect != 0) {
                    c.error(Errors.TRACKING_SINGLE_REDIRECT);
                    return;
                }
                Long id = Numbers.parseLong(c.arg(j));
                if (id == null) {
                    c.error(Errors.NOT_INTEGER);
                    return;
                }
                if (c.server().clients().get(id) == null) {
                    c.error(Errors.TRACKING_NO_REDIRECT_CLIENT);
                    return;
                }
                redirect = id;
            } else if (opt.equals("bcast")) {
                bcast = true;
            } else if (opt.equals("optin")) {
                optin = true;
            } else if (opt.equals("optout")) {
                optout = true;
            } else if (opt.equals("noloop")) {
                noloop = true;
            } else if (opt.equals("prefix") && more) {
                j++;
                prefixes.add(new BytesKey(c.arg(j)));
            } else {
                c.error(Errors.SYNTAX);
                return;
            }
        }
        Tracking tr = Tracking.of(c.server());
        String onoff = Texts.lower(c.arg(2));
        if (onoff.equals("on")) {
            Tracking.State s = Tracking.state(c);
            boolean on = s != null && s.on;
            if (!bcast && !prefixes.isEmpty()) {
                c.error(Errors.TRACKING_PREFIX_NEEDS_BCAST);
                return;
            }
            if (on && bcast != s.bcast) {
                c.error(Errors.TRACKING_SWITCH_BCAST);
                return;
            }
            if (optin && optout) {
                c.error(Errors.TRACKING_OPTIN_OPTOUT);
                return;
            }
            if (on && ((optin && s.optout) || (optout && s.optin))) {
                c.error(Errors.TRACKING_SWITCH_OPTIN);
                return;
            }
            if ((optin || optout) && bcast) {
                c.error(Errors.TRACKING_BCAST_OPTIN);
                return;
            }
            if (bcast && !prefixesOk(c, s, prefixes)) {
                return;
            }
            tr.enable(c, redirect, bcast, optin, optout, noloop, prefixes);
        } else if (onoff.equals("off")) {
            tr.disable(c);
        } else {
            c.error(Errors.SYNTAX);
            return;
        }
        c.reply().ok();
    }

    /** BCAST prefixes may not overlap (one a prefix of the other) the client's or each other. */
    private static boolean prefixesOk(Client c, Tracking.State s, List<BytesKey> prefixes) {
        for (int i = 0; i < prefixes.size(); i++) {
            byte[] p = prefixes.get(i).bytes();
            if (s != null) {
                for (BytesKey q : s.prefixes) {
                    if (overlap(p, q.bytes())) {
                        c.error(Errors.trackingPrefixOverlap(Texts.str(p), Texts.str(q.bytes())));
                        return false;
                    }
                }
            }
            for (int j = 0; j < prefixes.size(); j++) {
                if (j != i && overlap(p, prefixes.get(j).bytes())) {
                    c.error(Errors.trackingPrefixOverlapArgs(Texts.str(p), Texts.str(prefixes.get(j).bytes())));
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean overlap(byte[] a, byte[] b) {
        int n = Math.min(a.length, b.length);
        for (int i = 0; i < n; i++) {
            if (a[i] != b[i]) {
                return false;
            }
        }
        return true;
    }

    /** CLIENT CACHING yes|no. */
    void caching(Client c) {
        Tracking.State s = Tracking.state(c);
        if (s == null || !s.on || !(s.optin || s.optout)) {
            c.error(Errors.TRACKING_CACHING_MODE);
            return;
        }
        String v = Texts.lower(c.arg(2));
        if (v.equals("yes")) {
            if (!s.optin) {
                c.error(Errors.TRACKING_CACHING_YES);
                return;
            }
        } else if (v.equals("no")) {
            if (!s.optout) {
                c.error(Errors.TRACKING_CACHING_NO);
                return;
            }
        } else {
            c.error(Errors.SYNTAX);
            return;
        }
        s.caching = true;
        c.reply().ok();
    }

    /** CLIENT GETREDIR: -1 when not tracking, else the redirect id (0 for none). */
    void getredir(Client c) {
        Tracking.State s = Tracking.state(c);
        c.reply().integer(s == null || !s.on ? -1 : s.redirect);
    }

    /** CLIENT TRACKINGINFO: flags, redirect and prefixes. */
    void trackinginfo(Client c) {
        Tracking.State s = Tracking.state(c);
        Reply r = c.reply();
        r.map(3);
        r.bulk("flags");
        List<String> flags = new ArrayList<>();
        if (s == null || !s.on) {
            flags.add("off");
        } else {
            flags.add("on");
            if (s.bcast) {
                flags.add("bcast");
            }
            if (s.optin) {
                flags.add("optin");
                if (s.caching) {
                    flags.add("caching-yes");
                }
            }
            if (s.optout) {
                flags.add("optout");
                if (s.caching) {
                    flags.add("caching-no");
                }
            }
            if (s.noloop) {
                flags.add("noloop");
            }
            if (s.brokenRedirect) {
                flags.add("broken_redirect");
            }
        }
        r.set(flags.size());
        for (String f : flags) {
            r.bulk(f);
        }
        r.bulk("redirect");
        r.integer(s == null || !s.on ? -1 : s.redirect);
        r.bulk("prefixes");
        if (s == null || !s.on) {
            r.array(0);
        } else {
            r.array(s.prefixes.size());
            for (BytesKey p : s.prefixes) {
                r.bulk(p.bytes());
            }
        }
    }
}
