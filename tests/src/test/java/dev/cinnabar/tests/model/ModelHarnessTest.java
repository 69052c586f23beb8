package dev.cinnabar.tests.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.testkit.Resp;
import dev.cinnabar.testkit.model.Dialog;
import dev.cinnabar.testkit.model.DialogDiffer;
import dev.cinnabar.testkit.model.DialogGenerator;
import dev.cinnabar.testkit.model.DialogModel;
import dev.cinnabar.testkit.model.Problem;
import dev.cinnabar.testkit.model.ReplyAccounting;
import dev.cinnabar.testkit.model.Transcript;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tests of the model test's harness: the reply accounting on hand-made transcripts (it must catch
 * a lost, extra or unsuppressed reply and an undocumented close, and accept what Redis 7.0 does),
 * dialogs and their derived cleanup, and the whole harness run against real Redis twice, where
 * every dialog must agree: that is what makes a difference against Cinnabar meaningful.
 */
class ModelHarnessTest {

    // ------------------------------------------------------------------ accounting

    @Test
    void repliesInOrderWithPushesAnywherePass() {
        Dialog d = Dialog.parse("c0 SUBSCRIBE ch", "c1 PUBLISH ch m1", "c0 PING");
        Transcript t = sentAll(d);
        frame(t, 0, 0, confirmation("subscribe", "ch", 1));
        frame(t, 1, 1, new Resp.Int(1));
        frame(t, 0, 1, message("ch", "m1"));
        frame(t, 0, 2, pong2());
        answerCleanup(t, d);
        assertThat(ReplyAccounting.check(d, t).violations()).isEmpty();
    }

    @Test
    void aRequestWithoutReplyIsReported() {
        Dialog d = Dialog.parse("c0 SET k v", "c0 GET k");
        Transcript t = sentAll(d);
        frame(t, 0, 0, ok());
        answerCleanup(t, d);
        assertThat(kinds(ReplyAccounting.check(d, t))).contains("no reply on GET");
    }

    @Test
    void aReplyWhileRepliesAreOffIsReported() {
        Dialog d = Dialog.parse("c0 CLIENT REPLY OFF", "c0 SET k v", "c0 CLIENT REPLY ON");
        Transcript t = sentAll(d);
        frame(t, 0, 1, ok()); // SET must be silent
        frame(t, 0, 2, ok());
        answerCleanup(t, d);
        assertThat(kinds(ReplyAccounting.check(d, t))).contains("extra reply on RESET");
    }

    @Test
    void skipSilencesTheNextCommandEvenWhenItBlocksFirst() {
        Dialog d = Dialog.parse("c0 CLIENT REPLY SKIP", "c0 BLPOP l 0", "c1 LPUSH l a", "c0 PING");
        Transcript t = sentAll(d);
        frame(t, 1, 2, new Resp.Int(1));
        frame(t, 0, 3, new Resp.Simple("PONG"));
        answerCleanup(t, d);
        assertThat(ReplyAccounting.check(d, t).violations()).isEmpty();

        Transcript leaky = sentAll(d);
        frame(leaky, 1, 2, new Resp.Int(1));
        frame(leaky, 0, 2, new Resp.Agg('*', List.of(bulk("l"), bulk("a"))));
        frame(leaky, 0, 3, new Resp.Simple("PONG"));
        answerCleanup(leaky, d);
        assertThat(ReplyAccounting.check(d, leaky).ok()).isFalse();
    }

    @Test
    void subscribeConfirmationsAreDueEvenWithRepliesOff() {
        Dialog d = Dialog.parse("c0 HELLO 3", "c0 CLIENT REPLY OFF", "c0 SUBSCRIBE ch ch2", "c0 CLIENT REPLY ON");
        Transcript t = sentAll(d);
        frame(t, 0, 0, new Resp.Agg('%', List.of(bulk("proto"), new Resp.Int(3))));
        frame(t, 0, 2, push("subscribe", "ch", 1));
        frame(t, 0, 2, push("subscribe", "ch2", 2));
        frame(t, 0, 3, ok());
        answerCleanup(t, d);
        assertThat(ReplyAccounting.check(d, t).violations()).isEmpty();

        Transcript dropped = sentAll(d);
        frame(dropped, 0, 0, new Resp.Agg('%', List.of(bulk("proto"), new Resp.Int(3))));
        frame(dropped, 0, 3, ok());
        answerCleanup(dropped, d);
        assertThat(kinds(ReplyAccounting.check(d, dropped))).contains("confirmation on SUBSCRIBE");
    }

    @Test
    void aSilentExecStillPushesTheConfirmationsOfTheSubscribesItRan() {
        // Redis 7.0.15 (and Cinnabar): EXEC's array is suppressed, the confirmation is not
        Dialog d = Dialog.parse("c0 CLIENT REPLY OFF", "c0 MULTI", "c0 SUBSCRIBE ch", "c0 EXEC", "c0 PING");
        Transcript t = sentAll(d);
        frame(t, 0, 3, confirmation("subscribe", "ch", 1));
        answerCleanup(t, d);
        assertThat(ReplyAccounting.check(d, t).violations()).isEmpty();

        Transcript extra = sentAll(d);
        frame(extra, 0, 3, confirmation("subscribe", "ch", 1));
        frame(extra, 0, 3, new Resp.Agg('*', List.of(confirmation("subscribe", "ch", 1))));
        answerCleanup(extra, d);
        assertThat(ReplyAccounting.check(d, extra).ok()).isFalse();
    }

    @Test
    void aCloseNeedsQuitOrClientKillAndKillCountsMustMatch() {
        Dialog d = Dialog.parse("c0 BLPOP l 0", "c1 CLIENT KILL ID $c0.id", "c1 PING");
        Transcript killed = sentAll(d);
        killed.add(0, new Transcript.Closed(1));
        frame(killed, 1, 1, new Resp.Int(1));
        frame(killed, 1, 2, new Resp.Simple("PONG"));
        answerCleanup(killed, d);
        assertThat(ReplyAccounting.check(d, killed).violations()).isEmpty();

        Transcript miscounted = sentAll(d);
        miscounted.add(0, new Transcript.Closed(1));
        frame(miscounted, 1, 1, new Resp.Int(0));
        frame(miscounted, 1, 2, new Resp.Simple("PONG"));
        answerCleanup(miscounted, d);
        assertThat(kinds(ReplyAccounting.check(d, miscounted))).contains("kill count on CLIENT KILL");

        Transcript dropped = sentAll(d);
        dropped.add(0, new Transcript.Closed(2));
        frame(dropped, 1, 1, new Resp.Int(1));
        frame(dropped, 1, 2, new Resp.Simple("PONG"));
        answerCleanup(dropped, d);
        assertThat(kinds(ReplyAccounting.check(d, dropped))).contains("undocumented close");
    }

    // ------------------------------------------------------------------ dialogs

    @Test
    void theCleanupEndsEveryBlockAndResetsEveryConnection() {
        Dialog paused = Dialog.parse("c1 BLPOP l 0", "c2 CLIENT PAUSE 100000 WRITE", "c2 CLIENT REPLY SKIP");
        assertThat(cleanup(paused)).containsExactly("3 [[CLIENT, UNPAUSE]]", "3 [[CLIENT, UNBLOCK, $c1.id]]",
                "0 [[RESET]]", "1 [[RESET]]", "2 [[PING], [RESET]]");
        Dialog busy = Dialog.parse("c0 EVAL \"while true do end\" 0");
        assertThat(cleanup(busy)).containsExactly("1 [[SCRIPT, KILL]]", "0 [[RESET]]");
        assertThat(paused.render()).contains("c2 CLIENT PAUSE 100000 WRITE").contains("c3 CLIENT UNBLOCK $c1.id")
                .contains("-- cleanup (derived) --");
    }

    private static List<String> cleanup(Dialog d) {
        List<String> out = new ArrayList<>();
        for (Dialog.Step s : d.tail()) {
            out.add(s.client() + " " + s.commands());
        }
        return out;
    }

    @Test
    void generatedDialogsAreReproducibleAndKeepTheRules() {
        DialogGenerator gen = new DialogGenerator();
        for (long seed = 0; seed < 300; seed++) {
            Dialog d = gen.generate(seed);
            assertThat(gen.generate(seed).render()).isEqualTo(d.render());
            assertThat(DialogModel.valid(d.clients(), d.body())).as(d.toString()).isTrue();
            assertThat(d.body()).hasSizeGreaterThanOrEqualTo(6);
        }
    }

    // ------------------------------------------------------------------ Redis against Redis

    @Test
    void redisAgreesWithItselfOnRandomDialogs() {
        int dialogs = Integer.getInteger("model.selfDialogs", 200);
        long seed = Long.getLong("model.seed", 4242L);
        List<String> failures = new ArrayList<>();
        try (DialogDiffer d = DialogDiffer.redisAgainstRedis(2000)) {
            DialogGenerator gen = new DialogGenerator();
            for (int i = 0; i < dialogs && failures.size() < 3; i++) {
                DialogDiffer.Outcome o = d.run(gen.generate(seed + i));
                if (o.failed()) {
                    failures.add(o.report(""));
                }
            }
        }
        assertThat(failures).as("the harness is not deterministic or its accounting disagrees with Redis").isEmpty();
    }

    // ------------------------------------------------------------------ helpers

    private static Transcript sentAll(Dialog d) {
        Transcript t = new Transcript("test", d.connections(), d.steps().size());
        for (int i = 0; i < d.steps().size(); i++) {
            t.markSent(i);
        }
        return t;
    }

    /** Answers the derived cleanup as Redis would on an idle, unblocked server (RESET per open connection). */
    private static void answerCleanup(Transcript t, Dialog d) {
        for (int i = d.body().size(); i < d.steps().size(); i++) {
            Dialog.Step s = d.steps().get(i);
            if (t.closedAt(s.client()) >= 0) {
                continue;
            }
            for (List<String> cmd : s.commands()) {
                String name = Dialog.commandName(cmd);
                frame(t, s.client(), i, name.equals("reset") ? new Resp.Simple("RESET")
                        : name.equals("ping") ? new Resp.Simple("PONG") : new Resp.Int(0));
            }
        }
    }

    private static void frame(Transcript t, int client, int step, Resp r) {
        t.add(client, new Transcript.Frame(step, r));
    }

    private static List<String> kinds(ReplyAccounting.Result r) {
        return r.violations().stream().map(Problem::signature).toList();
    }

    private static Resp ok() {
        return new Resp.Simple("OK");
    }

    private static Resp bulk(String s) {
        return new Resp.Bulk(s.getBytes(StandardCharsets.UTF_8));
    }

    private static Resp confirmation(String kind, String channel, long count) {
        return new Resp.Agg('*', List.of(bulk(kind), bulk(channel), new Resp.Int(count)));
    }

    private static Resp push(String kind, String channel, long count) {
        return new Resp.Agg('>', List.of(bulk(kind), bulk(channel), new Resp.Int(count)));
    }

    private static Resp message(String channel, String text) {
        return new Resp.Agg('*', List.of(bulk("message"), bulk(channel), bulk(text)));
    }

    private static Resp pong2() {
        return new Resp.Agg('*', List.of(bulk("pong"), bulk("")));
    }
}
