package dev.cinnabar.tests.unit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.RespClient;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Connection-level behaviour (Redis's tests/unit/networking.tcl area) and the delivery API other
 * features use to write to a client from another client's command.
 */
class NetworkingTest {
    @RegisterExtension
    static CinnabarExtension server = new CinnabarExtension().keepDataBetweenTests();

    private static long id(RespClient c) {
        return ((Resp.Int) c.call("CLIENT", "ID")).value();
    }

    private static void deliver(long id, Consumer<Reply> m) {
        ServerContext ctx = server.server().context();
        ctx.lock().lock();
        try {
            Client target = ctx.clients().get(id);
            assertThat(target).isNotNull();
            target.deliver(m);
        } finally {
            ctx.lock().unlock();
        }
    }

    private static Consumer<Reply> message(String channel, String text) {
        return r -> {
            r.push(3);
            r.bulk("message");
            r.bulk(channel);
            r.bulk(text);
        };
    }

    @Test
    void deliveredMessagesArriveInOrderBeforeLaterReplies() {
        try (RespClient c = server.client()) {
            long id = id(c);
            for (int i = 0; i < 200; i++) {
                deliver(id, message("ch", "m" + i));
            }
            c.send("PING");
            for (int i = 0; i < 200; i++) {
                Resp r = c.read();
                assertThat(r).as("message %d", i).isInstanceOf(Resp.Agg.class);
                Resp.Agg a = (Resp.Agg) r;
                assertThat(a.kind()).isEqualTo('*');
                assertThat(a.items()).containsExactly(bulk("message"), bulk("ch"), bulk("m" + i));
            }
            assertThat(c.read()).isEqualTo(new Resp.Simple("PONG"));
        }
    }

    @Test
    void deliveryUsesTheTargetsProtocol() {
        try (RespClient c = server.client()) {
            c.call("HELLO", "3");
            long id = id(c);
            deliver(id, message("ch", "x"));
            Resp r = c.read();
            assertThat(r).isEqualTo(new Resp.Agg('>', List.of(bulk("message"), bulk("ch"), bulk("x"))));
            deliver(id, m -> m.dbl(1.5));
            assertThat(c.read()).isEqualTo(new Resp.Dbl("1.5"));
        }
    }

    @Test
    void deliveryToAnotherConnectionDoesNotDisturbItsReplies() throws Exception {
        try (RespClient a = server.client(); RespClient b = server.client()) {
            long idA = id(a);
            // Pipeline on A while B's side delivers concurrently from this thread.
            StringBuilder pipeline = new StringBuilder();
            for (int i = 0; i < 100; i++) {
                pipeline.append("*2\r\n$4\r\nECHO\r\n$").append(Integer.toString(i).length()).append("\r\n").append(i)
                        .append("\r\n");
            }
            a.writeRaw(pipeline.toString());
            for (int i = 0; i < 50; i++) {
                deliver(idA, message("c", "d" + i));
            }
            int echoes = 0;
            int messages = 0;
            while (echoes < 100 || messages < 50) {
                Resp r = a.read();
                if (r instanceof Resp.Bulk bl) {
                    assertThat(bl.text()).isEqualTo(Integer.toString(echoes));
                    echoes++;
                } else {
                    assertThat(((Resp.Agg) r).items().get(2)).isEqualTo(bulk("d" + messages));
                    messages++;
                }
            }
            assertThat(b.call("PING")).isEqualTo(new Resp.Simple("PONG"));
        }
    }

    @Test
    void deliveryToAClosedClientIsIgnored() {
        long id;
        Client target;
        try (RespClient c = server.client()) {
            id = id(c);
            target = server.server().context().clients().get(id);
        }
        ServerContext ctx = server.server().context();
        ctx.lock().lock();
        try {
            target.deliver(message("ch", "late"));
        } finally {
            ctx.lock().unlock();
        }
        try (RespClient c = server.client()) {
            assertThat(c.call("PING")).isEqualTo(new Resp.Simple("PONG"));
        }
    }

    static Resp bulk(String s) {
        return new Resp.Bulk(s.getBytes());
    }
}
