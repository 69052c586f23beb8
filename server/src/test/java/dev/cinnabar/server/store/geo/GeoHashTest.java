package dev.cinnabar.server.store.geo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.store.geo.GeoHash.Bits;
import java.math.BigDecimal;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GeoHashTest {
    @Test
    void knownPointEncodesAndDecodesAsRedis() {
        // Values observed on Redis 7.0 for GEOADD 13.361389 38.115556 (Palermo).
        long score = GeoHash.score(13.361389, 38.115556);
        assertThat(score).isEqualTo(3479099956230698L);
        double[] xy = GeoHash.decodeScore(score);
        assertThat(new BigDecimal(xy[0]).setScale(17, java.math.RoundingMode.HALF_EVEN).toPlainString())
                .isEqualTo("13.36138933897018433");
        assertThat(new BigDecimal(xy[1]).setScale(17, java.math.RoundingMode.HALF_EVEN).toPlainString())
                .isEqualTo("38.11555639549629859");
        assertThat(GeoHash.standardHash(score)).isEqualTo("sqc8b49rny0");
        assertThat(GeoHash.standardHash(GeoHash.score(15.087269, 37.502669))).isEqualTo("sqdtr74hyu0");
    }

    @Test
    void decodedCentreLiesInTheEncodedCell() {
        Random rnd = new Random(1);
        for (int i = 0; i < 2000; i++) {
            double lon = rnd.nextDouble() * 360 - 180;
            double lat = rnd.nextDouble() * 170 - 85;
            int step = 1 + rnd.nextInt(26);
            Bits h = GeoHash.encodeWgs84(lon, lat, step);
            GeoHash.Area a = GeoHash.decodeWgs84(h);
            assertThat(lon).isBetween(a.lonMin(), a.lonMax());
            assertThat(lat).isBetween(a.latMin(), a.latMax());
            double[] c = GeoHash.decodeScore(GeoHash.score(lon, lat));
            assertThat(Math.abs(c[0] - lon)).isLessThan(1e-5);
            assertThat(Math.abs(c[1] - lat)).isLessThan(1e-5);
        }
        assertThat(GeoHash.encodeWgs84(0, 86, 26)).isNull();
        assertThat(GeoHash.encodeWgs84(181, 0, 26)).isNull();
    }

    @Test
    void neighboursAreAdjacentCells() {
        Bits h = GeoHash.encodeWgs84(2.35, 48.85, 10);
        GeoHash.Area centre = GeoHash.decodeWgs84(h);
        Bits[] n = GeoHash.neighbours(h);
        GeoHash.Area north = GeoHash.decodeWgs84(n[0]);
        GeoHash.Area south = GeoHash.decodeWgs84(n[1]);
        GeoHash.Area east = GeoHash.decodeWgs84(n[2]);
        GeoHash.Area west = GeoHash.decodeWgs84(n[3]);
        assertThat(north.latMin()).isEqualTo(centre.latMax());
        assertThat(south.latMax()).isEqualTo(centre.latMin());
        assertThat(east.lonMin()).isEqualTo(centre.lonMax());
        assertThat(west.lonMax()).isEqualTo(centre.lonMin());
        assertThat(north.lonMin()).isEqualTo(centre.lonMin());
    }

    @Test
    void stepEstimateAndDistances() {
        assertThat(GeoHash.estimateStepsByRadius(0, 0)).isEqualTo(26);
        assertThat(GeoHash.estimateStepsByRadius(1000, 0)).isEqualTo(14);
        assertThat(GeoHash.estimateStepsByRadius(1000, 70)).isEqualTo(13);
        assertThat(GeoHash.estimateStepsByRadius(1000, -85)).isEqualTo(12);
        assertThat(GeoHash.estimateStepsByRadius(1e9, 0)).isEqualTo(1);
        // Quarter of a great circle.
        assertThat(GeoHash.distance(0, 0, 90, 0)).isCloseTo(Math.PI / 2 * GeoHash.EARTH_RADIUS_IN_METERS,
                org.assertj.core.data.Offset.offset(1e-6));
        assertThat(GeoHash.distance(10, 20, 10, -30)).isEqualTo(GeoHash.latDistance(20, -30));
    }

    @Test
    void scoresOutsideTheGeoRangeConvertLikeC() {
        assertThat(GeoHash.toUint64(-1.0)).isEqualTo(-1L);
        assertThat(GeoHash.toUint64(1e19)).isEqualTo(Long.parseUnsignedLong("10000000000000000000"));
        assertThat(GeoHash.toUint64(Double.POSITIVE_INFINITY)).isZero();
        assertThat(GeoHash.toUint64(Double.NEGATIVE_INFINITY)).isEqualTo(Long.MIN_VALUE);
    }
}
