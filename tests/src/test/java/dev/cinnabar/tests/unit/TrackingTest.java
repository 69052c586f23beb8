package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.tests.Differential;
import dev.cinnabar.tests.RealRedisPair;
import dev.cinnabar.tests.RealRedisPair;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Client-side caching (Redis's tests/unit/tracking.tcl): CLIENT TRACKING options and errors,
 * invalidations through REDIRECT to a RESP2 client subscribed to __redis__:invalidate,
 * differential against real Redis.
 */
class TrackingTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension();

    @RegisterExtension
    static RealRedisPair pair = new RealRedisPair(server);

    private static List<Resp> same(Differential.TwoClients scenario) {
        return pair.same(scenario);
    }

    /** Sets up b as the redirect target (subscribed to __redis__:invalidate) and returns its id. */
    private static String redirectTo(RespClient b) {
        String id = b.call("CLIENT", "ID").asText();
        b.call("SUBSCRIBE", "__redis__:invalidate");
        return id;
    }

    /** Messages b has received, stopping at a PUBLISH marker sent by the test. */
    private static List<Resp> drain(RespClient a, RespClient b) {
        b.send("SUBSCRIBE", "marker");
        List<Resp> out = new ArrayList<>();
        boolean published = false;
        while (true) {
            Resp m = b.read();
            if (m.toString().equals("*[\"subscribe\", \"marker\", :2]")) {
                a.call("PUBLISH", "marker", "x");
                published = true;
                continue;
            }
            if (published && m.toString().contains("marker")) {
                return out;
            }
            out.add(m);
        }
    }

    @Test
    void optionErrorsAreRedisTexts() {
        same((a, b) -> Differential.run(a,
                "CLIENT TRACKING on PREFIX a",
                "CLIENT TRACKING on BCAST PREFIX a PREFIX ab",
                "CLIENT TRACKING on BCAST PREFIX a PREFIX a",
                "CLIENT TRACKING on OPTIN OPTOUT",
                "CLIENT TRACKING on BCAST OPTIN",
                "CLIENT TRACKING on REDIRECT 999999",
                "CLIENT TRACKING on REDIRECT abc",
                "CLIENT TRACKING on REDIRECT",
                "CLIENT TRACKING maybe",
                "CLIENT TRACKING on foo",
                "CLIENT CACHING yes",
                "CLIENT GETREDIR",
                "CLIENT TRACKINGINFO",
                "CLIENT TRACKING on OPTIN",
                "CLIENT CACHING no",
                "CLIENT CACHING maybe",
                "CLIENT CACHING yes",
                "CLIENT TRACKINGINFO",
                "CLIENT TRACKING on OPTOUT",
                "CLIENT TRACKING on BCAST",
                "CLIENT TRACKING on",
                "CLIENT TRACKING on OPTOUT",
                "CLIENT TRACKING on OPTIN",
                "CLIENT GETREDIR",
                "CLIENT TRACKING off",
                "CLIENT TRACKING on BCAST",
                "CLIENT TRACKING on BCAST PREFIX x",
                "CLIENT TRACKINGINFO",
                "CLIENT TRACKING off",
                "CLIENT TRACKING on BCAST PREFIX ab PREFIX b NOLOOP",
                "CLIENT TRACKING on BCAST PREFIX a",
                "CLIENT TRACKING on BCAST PREFIX c",
                "CLIENT TRACKINGINFO",
                "CLIENT TRACKING off"));
    }

    @Test
    void readKeysAreInvalidatedOnceWhenModified() {
        List<Resp> r = same((a, b) -> {
            a.call("DEL", "k1", "k2", "k3");
            a.call("CLIENT", "TRACKING", "on", "REDIRECT", redirectTo(b));
            a.call("GET", "k1");
            a.call("MGET", "k2", "k3");
            a.call("SET", "k1", "v");
            a.call("SET", "k1", "again"); // no longer tracked: no second message
            a.call("SET", "k3", "v");
            a.call("SET", "untracked", "v");
            return drain(a, b);
        });
        assertThat(r.get(0).toString()).isEqualTo("*[\"message\", \"__redis__:invalidate\", *[\"k1\"]]");
        assertThat(r).hasSize(2); // k1 and k3
    }

    @Test
    void noloopSkipsOwnChangesButNotOthers() {
        List<Resp> r = same((a, b) -> {
            try (RespClient other = new RespClient(portOf(a))) {
                a.call("DEL", "n1", "n2");
                a.call("CLIENT", "TRACKING", "on", "REDIRECT", redirectTo(b), "NOLOOP");
                a.call("GET", "n1");
                a.call("GET", "n2");
                a.call("SET", "n1", "mine");
                other.call("SET", "n2", "theirs");
                return drain(a, b);
            }
        });
        assertThat(r.toString()).doesNotContain("n1").contains("n2");
    }

    private static int portOf(RespClient c) {
        // Both servers answer CONFIG GET port with their real port.
        return Integer.parseInt(((Resp.Agg) c.call("CONFIG", "GET", "port")).items().get(1).asText());
    }

    @Test
    void optinRemembersOnlyAfterCachingYes() {
        same((a, b) -> {
            a.call("DEL", "o1", "o2");
            a.call("CLIENT", "TRACKING", "on", "REDIRECT", redirectTo(b), "OPTIN");
            a.call("GET", "o1");
            a.call("CLIENT", "CACHING", "yes");
            a.call("GET", "o2");
            a.call("SET", "o1", "x");
            a.call("SET", "o2", "x");
            return drain(a, b);
        });
    }

    @Test
    void optoutForgetsAfterCachingNo() {
        same((a, b) -> {
            a.call("DEL", "p1", "p2");
            a.call("CLIENT", "TRACKING", "on", "REDIRECT", redirectTo(b), "OPTOUT");
            a.call("CLIENT", "CACHING", "no");
            a.call("GET", "p1");
            a.call("GET", "p2");
            a.call("SET", "p1", "x");
            a.call("SET", "p2", "x");
            return drain(a, b);
        });
    }

    @Test
    void bcastSendsKeysUnderPrefixes() {
        same((a, b) -> {
            a.call("CLIENT", "TRACKING", "on", "REDIRECT", redirectTo(b), "BCAST", "PREFIX", "user:", "PREFIX", "cart:");
            a.call("SET", "user:1", "x");
            a.call("SET", "other", "x");
            a.call("DEL", "cart:9");
            a.call("SET", "cart:9", "y");
            return drain(a, b);
        });
    }

    @Test
    void flushSendsNullInvalidation() {
        same((a, b) -> {
            a.call("CLIENT", "TRACKING", "on", "REDIRECT", redirectTo(b));
            a.call("GET", "f1");
            a.call("FLUSHALL");
            a.call("SET", "f1", "x"); // the table was emptied by the flush
            return drain(a, b);
        });
    }

    @Test
    void transactionAndExpiryInvalidate() {
        same((a, b) -> {
            a.call("DEL", "t1", "t2");
            a.call("CLIENT", "TRACKING", "on", "REDIRECT", redirectTo(b));
            a.call("GET", "t1");
            a.call("GET", "t2");
            a.call("MULTI");
            a.call("SET", "t1", "x");
            a.call("INCR", "t2");
            a.call("EXEC");
            return drain(a, b);
        });
    }

    @Test
    void trackingTableMaxKeysEvictsWithInvalidations() {
        try (RespClient a = server.client(); RespClient b = server.client()) {
            a.call("CONFIG", "SET", "tracking-table-max-keys", "2");
            try {
                a.call("CLIENT", "TRACKING", "on", "REDIRECT", redirectTo(b));
                for (int i = 0; i < 5; i++) {
                    a.call("GET", "evict:" + i);
                }
                List<Resp> msgs = drain(a, b);
                // Three keys had to go: each was invalidated.
                assertThat(msgs.stream().filter(m -> m.toString().contains("evict:")).count()).isEqualTo(3);
            } finally {
                a.call("CONFIG", "SET", "tracking-table-max-keys", "1000000");
            }
        }
    }

    @Test
    void brokenRedirectIsReportedInTrackingInfo() {
        List<Resp> r = same((a, b) -> {
            RespClient target = new RespClient(portOf(a));
            String id = target.call("CLIENT", "ID").asText();
            a.call("CLIENT", "TRACKING", "on", "REDIRECT", id);
            a.call("GET", "br");
            target.close();
            List<Resp> out = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                a.call("SET", "br", "x");
                a.call("GET", "br");
                Resp info = a.call("CLIENT", "TRACKINGINFO");
                if (info.toString().contains("broken_redirect")) {
                    out.add(((Resp.Agg) info).items().get(1)); // the flags (client ids differ)
                    break;
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
            return out;
        });
        assertThat(r).hasSize(1);
    }

    @Test
    void disconnectedTrackingClientIsForgotten() {
        try (RespClient b = server.client(); RespClient w = server.client()) {
            String id = redirectTo(b);
            try (RespClient a = server.client()) {
                a.call("CLIENT", "TRACKING", "on", "REDIRECT", id);
                a.call("GET", "gone");
            }
            // The writer may race the close: either way nothing may be sent for a closed client.
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            w.call("SET", "gone", "x");
            assertThat(drain(w, b)).isEmpty();
        }
    }

    @Test
    void resp3InvalidationsArePushedOnTheSameConnection() {
        List<Resp> r = same((a, b) -> {
            List<Resp> out = new ArrayList<>();
            a.call("HELLO", "3");
            a.call("DEL", "r1", "r2");
            out.add(a.call("CLIENT", "TRACKING", "on"));
            out.add(a.call("GET", "r1"));
            out.add(a.call("GET", "r2"));
            out.add(b.call("SET", "r1", "from-b"));
            out.add(a.read());
            // Our own write: the invalidation comes after the command's reply.
            out.addAll(RealRedisPair.call(a, 2, "SET", "r2", "mine"));
            out.add(a.call("GET", "r2"));
            out.addAll(RealRedisPair.call(a, 2, "FLUSHDB"));
            out.add(a.call("CLIENT", "TRACKINGINFO"));
            return out;
        });
        assertThat(r.get(4).toString()).isEqualTo(">[\"invalidate\", *[\"r1\"]]");
    }

    @Test
    void resp3BroadcastWithNoloop() {
        same((a, b) -> {
            List<Resp> out = new ArrayList<>();
            a.call("HELLO", "3");
            out.add(a.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "bc:", "NOLOOP"));
            out.add(a.call("SET", "bc:mine", "1"));
            out.add(b.call("SET", "bc:theirs", "1"));
            out.add(a.read());
            out.add(a.call("PING"));
            return out;
        });
    }

    @Test
    void resp3BrokenRedirectIsPushed() {
        same((a, b) -> {
            List<Resp> out = new ArrayList<>();
            a.call("HELLO", "3");
            RespClient target = new RespClient(portOf(a));
            String id = target.call("CLIENT", "ID").asText();
            a.call("DEL", "rb");
            a.call("CLIENT", "TRACKING", "on", "REDIRECT", id);
            a.call("GET", "rb");
            target.call("QUIT");
            target.close();
            for (int i = 0; i < 200 && a.call("CLIENT", "LIST", "ID", id).asText().contains("id="); i++) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
            b.call("SET", "rb", "x");
            Resp push = a.read();
            out.add(((Resp.Agg) push).items().get(0)); // the redirect id differs between servers
            out.add(a.call("PING"));
            return out;
        });
    }

    @Test
    void clientListShowsTrackingState() {
        try (RespClient c = server.client(); RespClient other = server.client()) {
            String id = c.call("CLIENT", "ID").asText();
            c.call("CLIENT", "TRACKING", "on", "BCAST");
            assertThat(other.call("CLIENT", "LIST", "ID", id).asText()).contains("flags=tB").contains("redir=0");
            c.call("CLIENT", "TRACKING", "off");
            assertThat(other.call("CLIENT", "LIST", "ID", id).asText()).contains("flags=N").contains("redir=-1");
        }
    }
}
