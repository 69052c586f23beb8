package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.tests.Dialogs;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A blocked command that ends later (served by another client's write, timed out, CLIENT UNBLOCK)
 * is seen by the statistics like any command, differential against real Redis: SLOWLOG's newest
 * entry, INFO commandstats (calls, failed and rejected calls), latencystats and errorstats (the
 * UNBLOCKED and NOGROUP errors such a command ends with); and an error inside EXEC counts once.
 */
class BlockedCommandStatsTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    static RealRedis redis;

    @BeforeAll
    static void startRedis() {
        redis = RealRedis.start();
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    private static List<String> same(Dialogs.Scenario s) {
        return Dialogs.same(redis.port(), server.port(), s);
    }

    /** Resets statistics and logs every command in SLOWLOG. */
    private static void fresh(Dialogs.Dialog d) {
        d.c(0).call("CONFIG", "SET", "slowlog-log-slower-than", "0");
        d.c(0).call("SLOWLOG", "RESET");
        d.c(0).call("CONFIG", "RESETSTAT");
    }

    /** The arguments of SLOWLOG's newest entry (durations and times differ between servers). */
    private static void newestSlowlogEntry(Dialogs.Dialog d) {
        Resp entry = ((Resp.Agg) d.c(0).call("SLOWLOG", "GET", "1")).items().get(0);
        String args = ((Resp.Agg) entry).items().get(3).toString();
        d.note("slowlog newest: " + args.replaceAll("\"UNBLOCK\", \"[0-9]+\"", "\"UNBLOCK\", <id>"));
    }

    /** INFO lines of a section that start with the prefix, durations removed, sorted (Redis lists in hash order). */
    private static void info(Dialogs.Dialog d, String section, String prefix) {
        List<String> lines = new ArrayList<>();
        for (String line : d.c(0).call("INFO", section).asText().split("\r\n")) {
            if (line.startsWith(prefix)) {
                int colon = line.indexOf(':');
                String fields = line.substring(colon + 1).replaceAll("usec(_per_call)?=[0-9.]+,?", "");
                lines.add(line.substring(0, colon) + (section.equals("latencystats") ? "" : ":" + fields));
            }
        }
        lines.sort(null);
        lines.forEach(d::note);
    }

    @Test
    void aBlpopServedByAPushIsLoggedAndCountedWhenItEnds() {
        same(d -> {
            fresh(d);
            d.send(1, "BLPOP", "l", "0");
            d.awaitBlocked(1);
            d.call(2, "LPUSH", "l", "a");
            d.read(1);
            newestSlowlogEntry(d);
            info(d, "commandstats", "cmdstat_blpop");
            info(d, "latencystats", "latency_percentiles_usec_blpop");
            info(d, "errorstats", "errorstat_");
        });
    }

    @Test
    void aTimedOutBlpopIsLoggedWhenItEnds() {
        same(d -> {
            fresh(d);
            d.call(1, "BLPOP", "l", "0.05");
            newestSlowlogEntry(d);
            info(d, "commandstats", "cmdstat_blpop");
            info(d, "latencystats", "latency_percentiles_usec_blpop");
        });
    }

    @Test
    void clientUnblockWithErrorCountsUnblockedInErrorstats() {
        same(d -> {
            fresh(d);
            String id = Long.toString(((Resp.Int) d.c(1).call("CLIENT", "ID")).value());
            d.send(1, "BLPOP", "l", "0");
            d.awaitBlocked(1);
            d.note("CLIENT UNBLOCK <id> ERROR -> " + d.c(2).call("CLIENT", "UNBLOCK", id, "ERROR"));
            d.read(1);
            d.send(1, "BRPOP", "l", "0");
            d.awaitBlocked(1);
            d.note("CLIENT UNBLOCK <id> -> " + d.c(2).call("CLIENT", "UNBLOCK", id));
            d.read(1);
            // CLIENT UNBLOCK's entry; the BRPOP it ended comes before it (Redis 7.0 logs that one
            // with no arguments, its client's arguments already freed; we log BRPOP's arguments)
            newestSlowlogEntry(d);
            info(d, "commandstats", "cmdstat_b");
            info(d, "errorstats", "errorstat_");
            info(d, "stats", "total_error_replies");
        });
    }

    @Test
    void anXreadgroupWokenByAGroupDestroyCountsNogroup() {
        same(d -> {
            fresh(d);
            d.call(0, "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM");
            d.send(1, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">");
            d.awaitBlocked(1);
            d.call(2, "XGROUP", "DESTROY", "s", "g");
            d.read(1);
            newestSlowlogEntry(d);
            info(d, "commandstats", "cmdstat_xreadgroup");
            info(d, "errorstats", "errorstat_");
        });
    }

    @Test
    void anErrorInsideExecCountsOnce() {
        List<String> t = same(d -> {
            fresh(d);
            d.call(1, "MULTI");
            d.call(1, "SET", "a", "b");
            d.call(1, "AUTH", "a");
            d.call(1, "EXEC");
            info(d, "errorstats", "errorstat_");
            info(d, "commandstats", "cmdstat_exec");
            info(d, "commandstats", "cmdstat_auth");
            info(d, "stats", "total_error_replies");
        });
        assertThat(t).contains("errorstat_ERR:count=1");
    }
}
