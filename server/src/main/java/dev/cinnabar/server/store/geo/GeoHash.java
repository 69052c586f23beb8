package dev.cinnabar.server.store.geo;

/**
 * Redis's geohash arithmetic, so positions, distances and search results match Redis digit for
 * digit.
 *
 * <p>A point is stored as a sorted-set score: the 52-bit interleaving of 26-bit fixed-point
 * longitude (odd bits) and latitude (even bits), over longitude [-180, 180] and latitude
 * [-85.05112878, 85.05112878] (the Web Mercator limits). Decoding gives the centre of the cell.
 * Distances use the haversine formula on a sphere of radius 6372797.560856 m.
 *
 * <p>A radius or box search picks a precision (step) from the search size, takes the cell holding
 * the centre and its eight neighbours at that step, drops neighbours the bounding box cannot
 * reach, and scans each remaining cell's score range; candidates are then filtered by exact
 * distance (see {@link #areasByShape}). sin, cos and asin are correctly rounded ({@link CrMath}), as
 * glibc's are, so distances equal Redis's to the last bit.
 */
public final class GeoHash {
    public static final double LAT_MIN = -85.05112878;
    public static final double LAT_MAX = 85.05112878;
    public static final double LONG_MIN = -180;
    public static final double LONG_MAX = 180;
    public static final int STEP_MAX = 26;
    public static final double EARTH_RADIUS_IN_METERS = 6372797.560856;
    private static final double MERCATOR_MAX = 20037726.37;
    private static final double D_R = Math.PI / 180.0;

    private GeoHash() {
    }

    /** A cell: interleaved bits at a precision of step bits per coordinate. (0, 0) is "none". */
    public record Bits(long bits, int step) {
        public static final Bits ZERO = new Bits(0, 0);

        public boolean isZero() {
            return bits == 0 && step == 0;
        }
    }

    /** A cell's extent in degrees. */
    public record Area(double lonMin, double lonMax, double latMin, double latMax) {
    }

    /** A search shape: centre, radius or box (width/height) in units, and the unit's metres. */
    public static final class Shape {
        public final double lon;
        public final double lat;
        public final boolean circle;
        public final double radius;
        public final double width;
        public final double height;
        public final double conversion;

        private Shape(double lon, double lat, boolean circle, double radius, double width, double height,
                      double conversion) {
            this.lon = lon;
            this.lat = lat;
            this.circle = circle;
            this.radius = radius;
            this.width = width;
            this.height = height;
            this.conversion = conversion;
        }

        public static Shape circle(double lon, double lat, double radius, double conversion) {
            return new Shape(lon, lat, true, radius, 0, 0, conversion);
        }

        public static Shape box(double lon, double lat, double width, double height, double conversion) {
            return new Shape(lon, lat, false, 0, width, height, conversion);
        }
    }

    /** The cells to scan for a shape: the centre cell first, then N, S, E, W, NE, NW, SE, SW. */
    public record Areas(Bits[] cells) {
    }

    static double degRad(double ang) {
        return ang * D_R;
    }

    static double radDeg(double ang) {
        return ang / D_R;
    }

    // ---- bit interleaving

    /** Spreads the 32 bits of x to the even positions of a long. */
    private static long spread(long x) {
        x &= 0xffffffffL;
        x = (x | (x << 16)) & 0x0000FFFF0000FFFFL;
        x = (x | (x << 8)) & 0x00FF00FF00FF00FFL;
        x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FL;
        x = (x | (x << 2)) & 0x3333333333333333L;
        x = (x | (x << 1)) & 0x5555555555555555L;
        return x;
    }

    /** Gathers the even bits of x into the low 32 bits. */
    private static long squash(long x) {
        x &= 0x5555555555555555L;
        x = (x | (x >>> 1)) & 0x3333333333333333L;
        x = (x | (x >>> 2)) & 0x0F0F0F0F0F0F0F0FL;
        x = (x | (x >>> 4)) & 0x00FF00FF00FF00FFL;
        x = (x | (x >>> 8)) & 0x0000FFFF0000FFFFL;
        x = (x | (x >>> 16)) & 0x00000000FFFFFFFFL;
        return x;
    }

    /** Latitude cell index in the even bits, longitude in the odd bits. */
    static long interleave(long latCell, long lonCell) {
        return spread(latCell) | (spread(lonCell) << 1);
    }

    // ---- encode / decode

    /**
     * The cell of (lon, lat) at the given step over the given ranges; null when the point is
     * outside the ranges or the Web Mercator limits.
     */
    public static Bits encode(double lonMin, double lonMax, double latMin, double latMax, double lon, double lat,
                              int step) {
        if (step > 32 || step == 0 || latMax - latMin == 0 || lonMax - lonMin == 0) {
            return null;
        }
        if (lon > LONG_MAX || lon < LONG_MIN || lat > LAT_MAX || lat < LAT_MIN) {
            return null;
        }
        if (lat < latMin || lat > latMax || lon < lonMin || lon > lonMax) {
            return null;
        }
        double latOffset = (lat - latMin) / (latMax - latMin);
        double lonOffset = (lon - lonMin) / (lonMax - lonMin);
        latOffset *= (double) (1L << step);
        lonOffset *= (double) (1L << step);
        return new Bits(interleave((long) latOffset, (long) lonOffset), step);
    }

    public static Bits encodeWgs84(double lon, double lat, int step) {
        return encode(LONG_MIN, LONG_MAX, LAT_MIN, LAT_MAX, lon, lat, step);
    }

    /** The sorted-set score of a point: its full-precision cell aligned to 52 bits. */
    public static long score(double lon, double lat) {
        return align52(encodeWgs84(lon, lat, STEP_MAX));
    }

    public static long align52(Bits h) {
        return h.bits() << (52 - h.step() * 2);
    }

    public static Area decode(double lonMin, double lonMax, double latMin, double latMax, Bits h) {
        long sep = squash(h.bits()) | (squash(h.bits() >>> 1) << 32);
        double latScale = latMax - latMin;
        double lonScale = lonMax - lonMin;
        long ilat = sep & 0xffffffffL;
        long ilon = sep >>> 32;
        double div = (double) (1L << h.step());
        return new Area(
                lonMin + (ilon * 1.0 / div) * lonScale,
                lonMin + (((ilon + 1) & 0xffffffffL) * 1.0 / div) * lonScale,
                latMin + (ilat * 1.0 / div) * latScale,
                latMin + (((ilat + 1) & 0xffffffffL) * 1.0 / div) * latScale);
    }

    public static Area decodeWgs84(Bits h) {
        return decode(LONG_MIN, LONG_MAX, LAT_MIN, LAT_MAX, h);
    }

    /** The centre of a cell, clamped to the valid ranges: {lon, lat}. */
    public static double[] centre(Area a) {
        double lon = (a.lonMin() + a.lonMax()) / 2;
        lon = Math.max(LONG_MIN, Math.min(LONG_MAX, lon));
        double lat = (a.latMin() + a.latMax()) / 2;
        lat = Math.max(LAT_MIN, Math.min(LAT_MAX, lat));
        return new double[] {lon, lat};
    }

    /** The position a sorted-set score stands for: {lon, lat}. */
    public static double[] decodeScore(double score) {
        return centre(decodeWgs84(new Bits(toUint64(score), STEP_MAX)));
    }

    /**
     * C's conversion of a double to uint64_t as x86-64 compilers emit it (scores of members not
     * added by GEOADD may be negative or huge): truncation below 2^63, offset conversion above,
     * the "integer indefinite" value where it does not fit.
     */
    static long toUint64(double d) {
        double two63 = 9.223372036854775808E18;
        if (d >= two63) {
            double rest = d - two63;
            long r = rest >= two63 ? Long.MIN_VALUE : (long) rest;
            return r ^ Long.MIN_VALUE;
        }
        if (Double.isNaN(d) || d < -two63) {
            return Long.MIN_VALUE;
        }
        return (long) d;
    }

    // ---- the standard geohash string (GEOHASH)

    private static final char[] ALPHABET = "0123456789bcdefghjkmnpqrstuvwxyz".toCharArray();

    /**
     * The 11-character standard geohash of a stored score: decoded, re-encoded over latitude
     * [-90, 90], five bits per character, the eleventh character always '0'.
     */
    public static String standardHash(double score) {
        double[] xy = decodeScore(score);
        Bits h = encode(-180, 180, -90, 90, xy[0], xy[1], STEP_MAX);
        long bits = h == null ? 0 : h.bits();
        char[] out = new char[11];
        for (int i = 0; i < 11; i++) {
            int idx = i == 10 ? 0 : (int) ((bits >>> (52 - ((i + 1) * 5))) & 0x1f);
            out[i] = ALPHABET[idx];
        }
        return new String(out);
    }

    // ---- neighbours

    private static final long ODD = 0xaaaaaaaaaaaaaaaaL; // longitude bits
    private static final long EVEN = 0x5555555555555555L; // latitude bits

    /**
     * Moves a cell by d (-1, 0, +1) along one axis: the axis' bits are incremented or decremented
     * as one number (the other axis' bits filled in to carry through), wrapping around.
     */
    private static Bits move(Bits h, int d, long axis) {
        if (d == 0) {
            return h;
        }
        long other = ~axis;
        long a = h.bits() & axis;
        long b = h.bits() & other;
        long zz = other >>> (64 - h.step() * 2);
        if (d > 0) {
            a = a + (zz + 1);
        } else {
            a = a | zz;
            a = a - (zz + 1);
        }
        a &= axis >>> (64 - h.step() * 2);
        return new Bits(a | b, h.step());
    }

    private static Bits moveX(Bits h, int d) {
        return move(h, d, ODD);
    }

    private static Bits moveY(Bits h, int d) {
        return move(h, d, EVEN);
    }

    /** Neighbour cells in the order N, S, E, W, NE, NW, SE, SW (east is +x, north is +y). */
    static Bits[] neighbours(Bits h) {
        return new Bits[] {
            moveY(h, 1), moveY(h, -1), moveX(h, 1), moveX(h, -1),
            moveY(moveX(h, 1), 1), moveY(moveX(h, -1), 1), moveY(moveX(h, 1), -1), moveY(moveX(h, -1), -1),
        };
    }

    // ---- search areas

    /** The precision whose cells are about as large as the search radius. */
    static int estimateStepsByRadius(double rangeMeters, double lat) {
        if (rangeMeters == 0) {
            return 26;
        }
        int step = 1;
        while (rangeMeters < MERCATOR_MAX) {
            rangeMeters *= 2;
            step++;
        }
        step -= 2;
        if (lat > 66 || lat < -66) {
            step--;
            if (lat > 80 || lat < -80) {
                step--;
            }
        }
        return Math.max(1, Math.min(26, step));
    }

    /** {minLon, minLat, maxLon, maxLat} of the shape; meridians converge, so the wider edge is used. */
    static double[] boundingBox(Shape s) {
        double height = s.conversion * (s.circle ? s.radius : s.height / 2);
        double width = s.conversion * (s.circle ? s.radius : s.width / 2);
        double latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
        double lonDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / CrMath.cos(degRad(s.lat + latDelta)));
        double lonDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / CrMath.cos(degRad(s.lat - latDelta)));
        boolean south = s.lat < 0;
        return new double[] {
            south ? s.lon - lonDeltaBottom : s.lon - lonDeltaTop,
            s.lat - latDelta,
            south ? s.lon + lonDeltaBottom : s.lon + lonDeltaTop,
            s.lat + latDelta,
        };
    }

    /** The nine cells (some zeroed when useless) covering a search shape. */
    public static Areas areasByShape(Shape s) {
        double[] bounds = boundingBox(s);
        double minLon = bounds[0];
        double minLat = bounds[1];
        double maxLon = bounds[2];
        double maxLat = bounds[3];
        double radiusMeters = s.circle ? s.radius
                : Math.sqrt((s.width / 2) * (s.width / 2) + (s.height / 2) * (s.height / 2));
        radiusMeters *= s.conversion;
        int steps = estimateStepsByRadius(radiusMeters, s.lat);
        Bits hash = encodeWgs84(s.lon, s.lat, steps);
        Bits[] n = neighbours(hash);
        Area area = decodeWgs84(hash);
        boolean decrease = decodeWgs84(n[0]).latMax() < maxLat || decodeWgs84(n[1]).latMin() > minLat
                || decodeWgs84(n[2]).lonMax() < maxLon || decodeWgs84(n[3]).lonMin() > minLon;
        if (steps > 1 && decrease) {
            steps--;
            hash = encodeWgs84(s.lon, s.lat, steps);
            n = neighbours(hash);
            area = decodeWgs84(hash);
        }
        if (steps >= 2) {
            if (area.latMin() < minLat) {
                n[1] = n[7] = n[6] = Bits.ZERO; // south, south-west, south-east
            }
            if (area.latMax() > maxLat) {
                n[0] = n[4] = n[5] = Bits.ZERO; // north, north-east, north-west
            }
            if (area.lonMin() < minLon) {
                n[3] = n[7] = n[5] = Bits.ZERO; // west, south-west, north-west
            }
            if (area.lonMax() > maxLon) {
                n[2] = n[6] = n[4] = Bits.ZERO; // east, south-east, north-east
            }
        }
        Bits[] cells = new Bits[9];
        cells[0] = hash;
        System.arraycopy(n, 0, cells, 1, 8);
        return new Areas(cells);
    }

    /** The score range [min, max) of a cell. */
    public static long[] scoreRange(Bits h) {
        return new long[] {align52(h), align52(new Bits(h.bits() + 1, h.step()))};
    }

    // ---- distances

    /** Distance in metres along a meridian. */
    static double latDistance(double lat1, double lat2) {
        return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2) - degRad(lat1));
    }

    /** Haversine great-circle distance in metres. */
    public static double distance(double lon1, double lat1, double lon2, double lat2) {
        double lon1r = degRad(lon1);
        double lon2r = degRad(lon2);
        double v = CrMath.sin((lon2r - lon1r) / 2);
        if (v == 0.0) {
            return latDistance(lat1, lat2);
        }
        double lat1r = degRad(lat1);
        double lat2r = degRad(lat2);
        double u = CrMath.sin((lat2r - lat1r) / 2);
        double a = u * u + CrMath.cos(lat1r) * CrMath.cos(lat2r) * v * v;
        return 2.0 * EARTH_RADIUS_IN_METERS * CrMath.asin(Math.sqrt(a));
    }

    /**
     * The distance in metres from the shape's centre to (lon, lat) when the point lies inside the
     * shape (possibly NaN, which Redis's comparisons also let through), else -1. A box is tested by latitude distance, then by longitude distance along the
     * point's parallel.
     */
    public static double distanceIfInShape(Shape s, double lon, double lat) {
        if (s.circle) {
            double d = distance(s.lon, s.lat, lon, lat);
            return d > s.radius * s.conversion ? -1 : d;
        }
        double w = s.width * s.conversion;
        double h = s.height * s.conversion;
        if (latDistance(lat, s.lat) > h / 2) {
            return -1;
        }
        if (distance(lon, lat, s.lon, lat) > w / 2) {
            return -1;
        }
        return distance(s.lon, s.lat, lon, lat);
    }
}
