package dev.cinnabar.server.command.pubsub;

import dev.cinnabar.server.command.CommandFamily;
import dev.cinnabar.server.command.CommandTable;
import dev.cinnabar.server.pubsub.PubSub;
import dev.cinnabar.server.propagate.PropagationSink;
import dev.cinnabar.server.session.Client;

/**
 * Pub/Sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and the PUBSUB
 * introspection subcommands. Semantics live in {@link PubSub}.
 */
public final class PubSubCommands implements CommandFamily {
    @Override
    public void register(CommandTable t) {
        t.bind("subscribe", c -> ps(c).subscribe(c));
        t.bind("unsubscribe", c -> ps(c).unsubscribe(c));
        t.bind("psubscribe", c -> ps(c).psubscribe(c));
        t.bind("punsubscribe", c -> ps(c).punsubscribe(c));
        t.bind("ssubscribe", c -> ps(c).ssubscribe(c));
        t.bind("sunsubscribe", c -> ps(c).sunsubscribe(c));
        t.bind("publish", this::publish);
        t.bind("spublish", this::spublish);
        t.bind("pubsub", "channels", c -> ps(c).channels(c, false));
        t.bind("pubsub", "shardchannels", c -> ps(c).channels(c, true));
        t.bind("pubsub", "numsub", c -> ps(c).numsub(c, false));
        t.bind("pubsub", "shardnumsub", c -> ps(c).numsub(c, true));
        t.bind("pubsub", "numpat", c -> ps(c).numpat(c));
        t.bind("pubsub", "help", this::help);
    }

    private static PubSub ps(Client c) {
        return PubSub.of(c.server());
    }

    void publish(Client c) {
        c.reply().integer(ps(c).publish(c.arg(1), c.arg(2)));
        c.forcePropagation(PropagationSink.REPL); // replicas' subscribers hear it too; the AOF does not keep it
    }

    void spublish(Client c) {
        c.reply().integer(ps(c).spublish(c.arg(1), c.arg(2)));
        c.forcePropagation(PropagationSink.REPL);
    }

    /** PUBSUB HELP: our own wording of the subcommands. */
    void help(Client c) {
        String[] lines = {
            "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "CHANNELS [<pattern>]",
            "    List the channels that have subscribers, optionally only those matching <pattern>.",
            "NUMPAT",
            "    Count the distinct patterns clients are subscribed to.",
            "NUMSUB [<channel> ...]",
            "    For each <channel>, count its subscribers (pattern subscriptions not included).",
            "SHARDCHANNELS [<pattern>]",
            "    List the shard channels that have subscribers, optionally only those matching <pattern>.",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    For each shard channel, count its subscribers.",
            "HELP",
            "    Print this help."
        };
        c.reply().array(lines.length);
        for (String line : lines) {
            c.reply().simple(line);
        }
    }
}
