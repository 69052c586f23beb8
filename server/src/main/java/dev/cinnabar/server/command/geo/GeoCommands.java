package dev.cinnabar.server.command.geo;

import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Numbers;
import dev.cinnabar.server.store.geo.GeoHash;
import dev.cinnabar.server.store.zset.Scores;
import dev.cinnabar.server.store.zset.ZSet;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;

/**
 * Geo commands. Points live in sorted sets, scored by their 52-bit geohash (see {@link GeoHash}),
 * so every sorted-set command works on them. GEOADD is ZADD with computed scores: as Redis, it
 * rewrites the request into a ZADD (so replies, errors, events and propagation are ZADD's) and
 * runs the ZADD handler.
 */
public final class GeoCommands implements CommandFamily {
    private CommandTable table;

    @Override
    public void register(CommandTable t) {
        this.table = t;
        t.bind("geoadd", this::geoadd);
        t.bind("geopos", this::geopos);
        t.bind("geodist", this::geodist);
        t.bind("geohash", this::geohash);
        t.bind("georadius", c -> GeoSearch.run(c, 1, GeoSearch.RADIUS_COORDS));
        t.bind("georadius_ro", c -> GeoSearch.run(c, 1, GeoSearch.RADIUS_COORDS | GeoSearch.NOSTORE));
        t.bind("georadiusbymember", c -> GeoSearch.run(c, 1, GeoSearch.RADIUS_MEMBER));
        t.bind("georadiusbymember_ro", c -> GeoSearch.run(c, 1, GeoSearch.RADIUS_MEMBER | GeoSearch.NOSTORE));
        t.bind("geosearch", c -> GeoSearch.run(c, 1, GeoSearch.SEARCH));
        t.bind("geosearchstore", c -> GeoSearch.run(c, 2, GeoSearch.SEARCH | GeoSearch.STORE));
    }

    // ---- shared argument helpers

    /**
     * Parses a longitude/latitude pair at argv[i], argv[i+1] into xy; false after replying "not a
     * valid float" or the range error.
     */
    static boolean lonLat(Client c, int i, double[] xy) {
        for (int k = 0; k < 2; k++) {
            xy[k] = Scores.parse(c.arg(i + k));
            if (Double.isNaN(xy[k])) {
                c.error(Errors.NOT_FLOAT);
                return false;
            }
        }
        if (xy[0] < GeoHash.LONG_MIN || xy[0] > GeoHash.LONG_MAX || xy[1] < GeoHash.LAT_MIN
                || xy[1] > GeoHash.LAT_MAX) {
            c.error("ERR invalid longitude,latitude pair " + fixed(xy[0], 6) + "," + fixed(xy[1], 6));
            return false;
        }
        return true;
    }

    /** Metres per unit for m/km/ft/mi; -1 after replying the unit error. */
    static double unit(Client c, byte[] u) {
        if (Texts.is(u, "m")) {
            return 1;
        }
        if (Texts.is(u, "km")) {
            return 1000;
        }
        if (Texts.is(u, "ft")) {
            return 0.3048;
        }
        if (Texts.is(u, "mi")) {
            return 1609.34;
        }
        c.error(Errors.GEO_UNIT);
        return -1;
    }

    /**
     * C's printf("%.<decimals>f"): exact binary value, rounded half-even. A NaN (asin of a value
     * rounded just above 1, for antipodes) prints as glibc prints x86's default NaN.
     */
    static String fixed(double d, int decimals) {
        if (Double.isNaN(d)) {
            return "-nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        String s = new BigDecimal(d).setScale(decimals, RoundingMode.HALF_EVEN).toPlainString();
        if (d < 0 || (d == 0 && 1 / d < 0)) {
            return s.startsWith("-") ? s : "-" + s;
        }
        return s;
    }

    /** Redis's "human" long double text: 17 decimals, trailing zeros and a bare point removed. */
    static String human(double d) {
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        return Numbers.formatLongDouble(new BigDecimal(d));
    }

    /** A distance as Redis replies it: a bulk string with four decimals. */
    static void replyDistance(Client c, double d) {
        c.reply().bulk(fixed(d, 4));
    }

    /** The sorted set at key for reading, null if missing; sets wrong[0] after a WRONGTYPE reply. */
    static ZSet readZset(Client c, byte[] key, boolean[] wrong) {
        Object v = c.db().lookupRead(key);
        if (v == null || v instanceof ZSet) {
            return (ZSet) v;
        }
        c.error(Errors.WRONGTYPE);
        wrong[0] = true;
        return null;
    }

    // ---- commands

    void geoadd(Client c) {
        int argc = c.argc();
        int first = 2;
        boolean nx = false;
        boolean xx = false;
        for (; first < argc; first++) {
            byte[] o = c.arg(first);
            if (Texts.is(o, "nx")) {
                nx = true;
            } else if (Texts.is(o, "xx")) {
                xx = true;
            } else if (!Texts.is(o, "ch")) {
                break;
            }
        }
        if ((argc - first) % 3 != 0 || (xx && nx)) {
            c.error(Errors.SYNTAX);
            return;
        }
        int elements = (argc - first) / 3;
        byte[][] zadd = new byte[first + elements * 2][];
        zadd[0] = "zadd".getBytes(StandardCharsets.US_ASCII);
        for (int i = 1; i < first; i++) {
            zadd[i] = c.arg(i);
        }
        double[] xy = new double[2];
        for (int i = 0; i < elements; i++) {
            int at = first + i * 3;
            if (!lonLat(c, at, xy)) {
                return;
            }
            zadd[first + i * 2] = Long.toString(GeoHash.score(xy[0], xy[1])).getBytes(StandardCharsets.US_ASCII);
            zadd[first + i * 2 + 1] = c.arg(at + 2);
        }
        // run as ZADD, then give the client back its own arguments: SLOWLOG and MONITOR show the
        // command as sent (Redis's original argv)
        byte[][] own = c.argv();
        int ownArgc = c.argc();
        c.request(zadd, zadd.length);
        CommandSpec z = table.spec("zadd");
        try {
            z.handler().execute(c);
        } finally {
            c.request(own, ownArgc);
        }
        c.rewriteArgv(zadd); // replicated as the ZADD it ran, as Redis 7.0
    }

    /** Replies an array with one entry per member argument: present(score) or absent(). */
    private static void perMember(Client c, java.util.function.DoubleConsumer present, Runnable absent) {
        boolean[] wrong = new boolean[1];
        ZSet z = readZset(c, c.arg(1), wrong);
        if (wrong[0]) {
            return;
        }
        c.reply().array(c.argc() - 2);
        for (int j = 2; j < c.argc(); j++) {
            Double score = z == null ? null : z.score(c.arg(j));
            if (score == null) {
                absent.run();
            } else {
                present.accept(score);
            }
        }
    }

    void geopos(Client c) {
        perMember(c, score -> {
            double[] xy = GeoHash.decodeScore(score);
            c.reply().array(2);
            c.reply().dblText(human(xy[0]));
            c.reply().dblText(human(xy[1]));
        }, () -> c.reply().nullArray());
    }

    void geodist(Client c) {
        double toMeters = 1;
        if (c.argc() == 5) {
            toMeters = unit(c, c.arg(4));
            if (toMeters < 0) {
                return;
            }
        } else if (c.argc() > 5) {
            c.error(Errors.SYNTAX);
            return;
        }
        boolean[] wrong = new boolean[1];
        ZSet z = readZset(c, c.arg(1), wrong);
        if (wrong[0]) {
            return;
        }
        Double s1 = z == null ? null : z.score(c.arg(2));
        Double s2 = z == null ? null : z.score(c.arg(3));
        if (s1 == null || s2 == null) {
            c.reply().nullBulk();
            return;
        }
        double[] a = GeoHash.decodeScore(s1);
        double[] b = GeoHash.decodeScore(s2);
        replyDistance(c, GeoHash.distance(a[0], a[1], b[0], b[1]) / toMeters);
    }

    void geohash(Client c) {
        perMember(c, score -> c.reply().bulk(GeoHash.standardHash(score)), () -> c.reply().nullBulk());
    }
}
