package dev.cinnabar.server.command.geo;

import dev.cinnabar.server.config.ServerConfig;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Texts;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Db;
import dev.cinnabar.server.store.Notify;
import dev.cinnabar.server.store.Numbers;
import dev.cinnabar.server.store.geo.GeoHash;
import dev.cinnabar.server.store.geo.GeoHash.Bits;
import dev.cinnabar.server.store.geo.GeoHash.Shape;
import dev.cinnabar.server.store.zset.ScoreRange;
import dev.cinnabar.server.store.zset.ZSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * GEORADIUS, GEORADIUSBYMEMBER (and their _RO forms), GEOSEARCH and GEOSEARCHSTORE: one search
 * routine, as in Redis, with the options each form accepts decided by flags.
 *
 * <p>Arguments are checked in Redis's order, which decides which error a bad request gets; a
 * missing source key is only reported after all options parsed (an empty reply, or 0 and the
 * destination deleted for the STORE forms). Results come from the nine geohash cells covering the
 * shape, each scanned in score order, filtered by exact distance; COUNT without ANY sorts by
 * distance first, COUNT ANY stops scanning once enough points were found.
 */
final class GeoSearch {
    static final int RADIUS_COORDS = 1;
    static final int RADIUS_MEMBER = 2;
    static final int NOSTORE = 4;
    static final int SEARCH = 8;
    static final int STORE = 16;

    private static final int SORT_NONE = 0;
    private static final int SORT_ASC = 1;
    private static final int SORT_DESC = 2;

    /** A point found by a search; dist is in metres until the reply converts it. */
    record Point(byte[] member, double score, double lon, double lat, double dist) {
    }

    private GeoSearch() {
    }

    /** The parsed centre and size (shape fields are set piecewise while parsing, as Redis does). */
    private static final class ShapeArgs {
        double[] xy = new double[2];
        boolean circle;
        double radius;
        double width;
        double height;
        double conversion;

        Shape shape() {
            return circle ? Shape.circle(xy[0], xy[1], radius, conversion)
                    : Shape.box(xy[0], xy[1], width, height, conversion);
        }
    }

    /** Parses a radius and unit at argv[i]; false after replying. */
    private static boolean distance(Client c, int i, ShapeArgs s) {
        double d = dev.cinnabar.server.store.zset.Scores.parse(c.arg(i));
        if (Double.isNaN(d)) {
            c.error(Errors.GEO_RADIUS_NOT_NUMERIC);
            return false;
        }
        if (d < 0) {
            c.error(Errors.GEO_RADIUS_NEGATIVE);
            return false;
        }
        s.radius = d;
        double conv = GeoCommands.unit(c, c.arg(i + 1));
        if (conv < 0) {
            return false;
        }
        s.conversion = conv;
        return true;
    }

    /** Parses width, height and unit at argv[i]; false after replying. */
    private static boolean box(Client c, int i, ShapeArgs s) {
        double w = dev.cinnabar.server.store.zset.Scores.parse(c.arg(i));
        if (Double.isNaN(w)) {
            c.error(Errors.GEO_WIDTH_NOT_NUMERIC);
            return false;
        }
        double h = dev.cinnabar.server.store.zset.Scores.parse(c.arg(i + 1));
        if (Double.isNaN(h)) {
            c.error(Errors.GEO_HEIGHT_NOT_NUMERIC);
            return false;
        }
        if (h < 0 || w < 0) {
            c.error(Errors.GEO_BOX_NEGATIVE);
            return false;
        }
        s.width = w;
        s.height = h;
        double conv = GeoCommands.unit(c, c.arg(i + 2));
        if (conv < 0) {
            return false;
        }
        s.conversion = conv;
        return true;
    }

    /** Decodes a member's position into xy; false after replying when it is not in the set. */
    private static boolean fromMember(Client c, ZSet z, byte[] member, double[] xy) {
        Double score = z.score(member);
        if (score == null) {
            c.error(Errors.GEO_MEMBER);
            return false;
        }
        double[] p = GeoHash.decodeScore(score);
        xy[0] = p[0];
        xy[1] = p[1];
        return true;
    }

    static void run(Client c, int srcIndex, int flags) {
        boolean[] wrong = new boolean[1];
        ZSet z = GeoCommands.readZset(c, c.arg(srcIndex), wrong);
        if (wrong[0]) {
            return;
        }
        ShapeArgs s = new ShapeArgs();
        byte[] storeKey = null;
        boolean storeDist = false;
        int base;
        if ((flags & RADIUS_COORDS) != 0) {
            base = 6;
            s.circle = true;
            if (!GeoCommands.lonLat(c, 2, s.xy) || !distance(c, 4, s)) {
                return;
            }
        } else if ((flags & RADIUS_MEMBER) != 0) {
            base = 5;
            if (z != null) {
                s.circle = true;
                if (!fromMember(c, z, c.arg(2), s.xy) || !distance(c, 3, s)) {
                    return;
                }
            }
        } else {
            base = 2;
            if ((flags & STORE) != 0) {
                base = 3;
                storeKey = c.arg(1);
            }
        }
        boolean withDist = false;
        boolean withHash = false;
        boolean withCoord = false;
        boolean fromMember = false;
        boolean fromLonLat = false;
        boolean byRadius = false;
        boolean byBox = false;
        boolean any = false;
        int sort = SORT_NONE;
        long count = 0;
        boolean search = (flags & SEARCH) != 0;
        boolean storeAllowed = (flags & NOSTORE) == 0 && !search;
        int remaining = c.argc() - base;
        for (int i = 0; i < remaining; i++) {
            byte[] a = c.arg(base + i);
            if (Texts.is(a, "withdist")) {
                withDist = true;
            } else if (Texts.is(a, "withhash")) {
                withHash = true;
            } else if (Texts.is(a, "withcoord")) {
                withCoord = true;
            } else if (Texts.is(a, "any")) {
                any = true;
            } else if (Texts.is(a, "asc")) {
                sort = SORT_ASC;
            } else if (Texts.is(a, "desc")) {
                sort = SORT_DESC;
            } else if (Texts.is(a, "count") && i + 1 < remaining) {
                Long n = Numbers.parseLong(c.arg(base + i + 1));
                if (n == null) {
                    c.error(Errors.NOT_INTEGER);
                    return;
                }
                if (n <= 0) {
                    c.error(Errors.GEO_COUNT);
                    return;
                }
                count = n;
                i++;
            } else if (Texts.is(a, "store") && i + 1 < remaining && storeAllowed) {
                storeKey = c.arg(base + i + 1);
                storeDist = false;
                i++;
            } else if (Texts.is(a, "storedist") && i + 1 < remaining && storeAllowed) {
                storeKey = c.arg(base + i + 1);
                storeDist = true;
                i++;
            } else if (Texts.is(a, "storedist") && search && (flags & STORE) != 0) {
                storeDist = true;
            } else if (Texts.is(a, "frommember") && i + 1 < remaining && search && !fromLonLat) {
                if (z != null && !fromMember(c, z, c.arg(base + i + 1), s.xy)) {
                    return;
                }
                fromMember = true;
                i++;
            } else if (Texts.is(a, "fromlonlat") && i + 2 < remaining && search && !fromMember) {
                if (!GeoCommands.lonLat(c, base + i + 1, s.xy)) {
                    return;
                }
                fromLonLat = true;
                i += 2;
            } else if (Texts.is(a, "byradius") && i + 2 < remaining && search && !byBox) {
                if (!distance(c, base + i + 1, s)) {
                    return;
                }
                s.circle = true;
                byRadius = true;
                i += 2;
            } else if (Texts.is(a, "bybox") && i + 3 < remaining && search && !byRadius) {
                if (!box(c, base + i + 1, s)) {
                    return;
                }
                s.circle = false;
                byBox = true;
                i += 3;
            } else {
                c.error(Errors.SYNTAX);
                return;
            }
        }
        String name = Texts.str(c.arg(0));
        if (storeKey != null && (withDist || withHash || withCoord)) {
            c.error("ERR " + ((flags & STORE) != 0 ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS")
                    + " is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
            return;
        }
        if (search && !(fromMember || fromLonLat)) {
            c.error("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + name);
            return;
        }
        if (search && !(byRadius || byBox)) {
            c.error("ERR exactly one of BYRADIUS and BYBOX can be specified for " + name);
            return;
        }
        if (any && count == 0) {
            c.error(Errors.GEO_ANY_NEEDS_COUNT);
            return;
        }
        Db db = c.db();
        if (z == null) {
            if (storeKey != null) {
                deleteStore(c, storeKey);
                c.reply().integer(0);
            } else {
                c.reply().emptyArray();
            }
            return;
        }
        if (count != 0 && sort == SORT_NONE && !any) {
            sort = SORT_ASC;
        }
        Shape shape = s.shape();
        List<Point> found = collect(z, shape, any ? count : 0);
        if (found.isEmpty() && storeKey == null) {
            c.reply().emptyArray();
            return;
        }
        int returned = count == 0 || found.size() < count ? found.size() : (int) count;
        if (sort != SORT_NONE) {
            // Redis's comparison (equal when ==), a stable full sort as glibc's qsort, or the
            // partial quicksort when fewer results are returned than were found.
            Comparator<Point> asc = (x, y) -> x.dist() > y.dist() ? 1 : x.dist() == y.dist() ? 0 : -1;
            Comparator<Point> cmp = sort == SORT_ASC ? asc : (x, y) -> -asc.compare(x, y);
            if (returned == found.size()) {
                found.sort(cmp);
            } else {
                PartialSort.sort(found, cmp, 0, returned - 1);
            }
        }
        if (storeKey == null) {
            int options = (withDist ? 1 : 0) + (withHash ? 1 : 0) + (withCoord ? 1 : 0);
            c.reply().array(returned);
            for (int i = 0; i < returned; i++) {
                Point p = found.get(i);
                if (options > 0) {
                    c.reply().array(options + 1);
                }
                c.reply().bulk(p.member());
                if (withDist) {
                    GeoCommands.replyDistance(c, p.dist() / shape.conversion);
                }
                if (withHash) {
                    c.reply().integer((long) p.score());
                }
                if (withCoord) {
                    c.reply().array(2);
                    c.reply().dblText(GeoCommands.human(p.lon()));
                    c.reply().dblText(GeoCommands.human(p.lat()));
                }
            }
            return;
        }
        if (returned > 0) {
            ZSet out = ZSet.skiplist();
            ZSet.Limits limits = limits(c.server().config());
            for (int i = 0; i < returned; i++) {
                Point p = found.get(i);
                out.put(p.member(), storeDist ? p.dist() / shape.conversion : p.score(), limits);
            }
            out.fitToLimits(limits);
            db.setKey(storeKey, out, false);
            db.notify(Notify.ZSET, search ? "geosearchstore" : "georadiusstore", storeKey);
            c.dirty(returned);
        } else {
            deleteStore(c, storeKey);
        }
        c.reply().integer(returned);
    }

    private static ZSet.Limits limits(ServerConfig cfg) {
        return new ZSet.Limits((int) Math.min(Integer.MAX_VALUE, cfg.zsetMaxListpackEntries),
                (int) Math.min(Integer.MAX_VALUE, cfg.zsetMaxListpackValue));
    }

    private static void deleteStore(Client c, byte[] key) {
        if (c.db().delete(key)) {
            c.db().notify(Notify.GENERIC, "del", key);
            c.dirty(1);
        }
    }

    /**
     * The points of z inside the shape, cell by cell (centre first), each cell in score order;
     * with limit > 0 scanning stops once that many were found. A cell equal to the one scanned
     * just before it is skipped (huge radii make neighbours coincide); as in Redis the comparison
     * is only made once a cell other than the centre has been scanned.
     */
    static List<Point> collect(ZSet z, Shape shape, long limit) {
        Bits[] cells = GeoHash.areasByShape(shape).cells();
        List<Point> out = new ArrayList<>();
        int lastProcessed = 0;
        for (int i = 0; i < cells.length; i++) {
            Bits cell = cells[i];
            if (cell.isZero()) {
                continue;
            }
            if (lastProcessed != 0 && cell.equals(cells[lastProcessed])) {
                continue;
            }
            if (!out.isEmpty() && limit > 0 && out.size() >= limit) {
                break;
            }
            long[] range = GeoHash.scoreRange(cell);
            ScoreRange r = new ScoreRange(range[0], false, range[1], true);
            int first = z.firstRank(r);
            int end = z.endRank(r);
            z.walk(first, end - first, false, (member, score) -> {
                double[] xy = GeoHash.decodeScore(score);
                double d = GeoHash.distanceIfInShape(shape, xy[0], xy[1]);
                if (!(d < 0)) { // a NaN distance (rounding near antipodes) counts as inside, as in Redis
                    out.add(new Point(member, score, xy[0], xy[1], d));
                }
                return !(limit > 0 && out.size() >= limit);
            });
            lastProcessed = i;
        }
        return out;
    }
}
