package dev.cinnabar.server.pubsub;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.command.CommandSpec;
import dev.cinnabar.server.command.Dispatcher;
import dev.cinnabar.server.util.BytesKey;
import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.protocol.Reply;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.util.Glob;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Publish/subscribe (Redis's pubsub.c): channels, glob patterns and shard channels.
 *
 * <p>Server side: channel → subscribers and pattern → subscribers maps (insertion-ordered, so
 * messages go out in subscription order); client side ({@link State} in
 * {@code Client.pubsubState}): the client's channels, patterns and shard channels. Both sides
 * change together under the execution lock; a disconnect removes the client everywhere.
 *
 * <p>Messages reach subscribers through {@link Client#deliver}: as RESP3 pushes or RESP2 arrays,
 * before the publisher's own reply when the publisher is itself subscribed. A client with any
 * subscription is a pub/sub client ({@link #isPubsubClient}, ClientFlags.PUBSUB: the output-buffer
 * class); in RESP2 it is restricted to (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, QUIT and RESET by a
 * gate stage.
 *
 * <p>Cost: PUBLISH is O(subscribers of the channel + number of patterns).
 */
public final class PubSub {
    /** Which of the three namespaces a (un)subscription is about. */
    enum Kind {
        CHANNEL("subscribe", "unsubscribe"),
        PATTERN("psubscribe", "punsubscribe"),
        SHARD("ssubscribe", "sunsubscribe");

        final String subscribeReply;
        final String unsubscribeReply;

        Kind(String s, String u) {
            this.subscribeReply = s;
            this.unsubscribeReply = u;
        }
    }

    /** A client's subscriptions. */
    static final class State {
        final Set<BytesKey> channels = new LinkedHashSet<>();
        final Set<BytesKey> patterns = new LinkedHashSet<>();
        final Set<BytesKey> shardChannels = new LinkedHashSet<>();

        Set<BytesKey> of(Kind k) {
            return k == Kind.CHANNEL ? channels : k == Kind.PATTERN ? patterns : shardChannels;
        }
    }

    private static final byte[] MESSAGE = "message".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PMESSAGE = "pmessage".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SMESSAGE = "smessage".getBytes(StandardCharsets.US_ASCII);

    private final ServerContext server;
    private final Map<BytesKey, Set<Client>> channels = new LinkedHashMap<>();
    private final Map<BytesKey, Set<Client>> patterns = new LinkedHashMap<>();
    private final Map<BytesKey, Set<Client>> shardChannels = new LinkedHashMap<>();
    private final Set<CommandSpec> allowedInContext = new java.util.HashSet<>();

    private PubSub(ServerContext server) {
        this.server = server;
    }

    /** Installs the RESP2 subscribed-context stage (before MULTI queueing) and disconnect cleanup. */
    public static PubSub install(ServerContext ctx) {
        PubSub p = new PubSub(ctx);
        for (String n : List.of("subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe",
                "sunsubscribe", "ping", "quit", "reset")) {
            p.allowedInContext.add(ctx.commands().spec(n)); // by identity: rename-command keeps them allowed
        }
        Dispatcher d = ctx.dispatcher();
        d.install(Dispatcher.Stage.PUBSUB_CONTEXT, p::context);
        ctx.addClientCloseListener(p::reset);
        ctx.clients().addResetListener(p::reset);
        ctx.feature(PubSub.class, () -> p);
        return p;
    }

    /** The server's instance (installed by Features). */
    public static PubSub of(ServerContext ctx) {
        return ctx.feature(PubSub.class, () -> {
            throw new IllegalStateException("pub/sub not installed");
        });
    }

    /** Channels with at least one subscriber (INFO pubsub_channels). */
    public int channelCount() {
        return channels.size();
    }

    /** Patterns with at least one subscriber (INFO pubsub_patterns). */
    public int patternCount() {
        return patterns.size();
    }

    /** Shard channels with at least one subscriber (INFO pubsubshard_channels). */
    public int shardChannelCount() {
        return shardChannels.size();
    }

    private static State state(Client c) {
        State s = (State) c.pubsubState;
        if (s == null) {
            s = new State();
            c.pubsubState = s;
        }
        return s;
    }

    /** Channels + patterns: the count SUBSCRIBE/UNSUBSCRIBE replies carry. */
    public static int subscriptionCount(Client c) {
        return c.pubsubState instanceof State s ? s.channels.size() + s.patterns.size() : 0;
    }

    /** Shard channels: the count SSUBSCRIBE/SUNSUBSCRIBE replies carry. */
    public static int shardSubscriptionCount(Client c) {
        return c.pubsubState instanceof State s ? s.shardChannels.size() : 0;
    }

    /**
     * The client's subscriptions: channels, patterns and shard channels, in that order (ACL
     * disconnects a subscriber whose user lost the right to one of them).
     */
    public static List<List<byte[]>> subscriptions(Client c) {
        if (!(c.pubsubState instanceof State s)) {
            return List.of(List.of(), List.of(), List.of());
        }
        return List.of(s.channels.stream().map(BytesKey::bytes).toList(), s.patterns.stream().map(BytesKey::bytes).toList(),
                s.shardChannels.stream().map(BytesKey::bytes).toList());
    }

    /** True when the client has any subscription (Redis's CLIENT_PUBSUB: client class "pubsub"). */
    public static boolean isPubsubClient(Client c) {
        return subscriptionCount(c) + shardSubscriptionCount(c) > 0;
    }

    /** The gate's PUBSUB_CONTEXT stage: the error for a command a RESP2 subscriber may not run. */
    private String context(Client c, CommandSpec cmd) {
        if (c.protocol() != 2 || !isPubsubClient(c)) {
            return null;
        }
        CommandSpec top = cmd.parent() == null ? cmd : cmd.parent();
        if (allowedInContext.contains(top)) {
            return null; // PING itself answers ["pong", arg] in this context
        }
        // a refused EXEC becomes EXECABORT and discards the transaction, as any refusal of EXEC
        return Errors.pubsubContext(cmd.fullName());
    }

    // ---- subscribe / unsubscribe

    private Map<BytesKey, Set<Client>> table(Kind k) {
        return k == Kind.CHANNEL ? channels : k == Kind.PATTERN ? patterns : shardChannels;
    }

    private int countFor(Client c, Kind k) {
        return k == Kind.SHARD ? shardSubscriptionCount(c) : subscriptionCount(c);
    }

    /** Subscribes the client to each argument from index 1, replying once per name. */
    private void subscribe(Client c, Kind k) {
        State s = state(c);
        for (int i = 1; i < c.argc(); i++) {
            BytesKey name = new BytesKey(c.arg(i));
            if (s.of(k).add(name)) {
                table(k).computeIfAbsent(name, x -> new LinkedHashSet<>()).add(c);
            }
            syncClientInfo(c);
            confirm(c.reply(), k.subscribeReply, name.bytes(), countFor(c, k));
        }
    }

    /** Mirrors the counts and the PUBSUB flag into the client (CLIENT LIST, client class for output limits). */
    private static void syncClientInfo(Client c) {
        State s = c.pubsubState instanceof State st ? st : null;
        c.subscriptions = s == null ? 0 : s.channels.size();
        c.patternSubscriptions = s == null ? 0 : s.patterns.size();
        c.shardSubscriptions = s == null ? 0 : s.shardChannels.size();
        if (c.subscriptions + c.patternSubscriptions + c.shardSubscriptions > 0) {
            c.flags |= dev.cinnabar.server.session.ClientFlags.PUBSUB;
        } else {
            c.flags &= ~dev.cinnabar.server.session.ClientFlags.PUBSUB;
        }
    }

    /** Unsubscribes from the named ones, or from all when there are no arguments. */
    private void unsubscribe(Client c, Kind k) {
        List<BytesKey> names = new ArrayList<>();
        if (c.argc() == 1) {
            if (c.pubsubState instanceof State s) {
                names.addAll(s.of(k));
            }
            if (names.isEmpty()) {
                confirm(c.reply(), k.unsubscribeReply, null, countFor(c, k));
                return;
            }
        } else {
            for (int i = 1; i < c.argc(); i++) {
                names.add(new BytesKey(c.arg(i)));
            }
        }
        for (BytesKey name : names) {
            remove(c, k, name);
            confirm(c.reply(), k.unsubscribeReply, name.bytes(), countFor(c, k));
        }
    }

    private void remove(Client c, Kind k, BytesKey name) {
        if (!(c.pubsubState instanceof State s) || !s.of(k).remove(name)) {
            return;
        }
        Map<BytesKey, Set<Client>> t = table(k);
        Set<Client> subs = t.get(name);
        if (subs != null) {
            subs.remove(c);
            if (subs.isEmpty()) {
                t.remove(name);
            }
        }
        syncClientInfo(c);
    }

    private static void confirm(Reply r, String kind, byte[] name, int count) {
        r.pushing(() -> {
            r.push(3);
            r.bulk(kind);
            if (name == null) {
                r.nullBulk();
            } else {
                r.bulk(name);
            }
            r.integer(count);
        });
    }

    /** Drops every subscription of the client (RESET, disconnect), without replies. */
    public void reset(Client c) {
        if (!(c.pubsubState instanceof State s)) {
            return;
        }
        for (Kind k : Kind.values()) {
            for (BytesKey name : new ArrayList<>(s.of(k))) {
                remove(c, k, name);
            }
        }
        c.pubsubState = null;
        syncClientInfo(c);
    }

    // ---- publish

    /** PUBLISH: delivers to channel subscribers and matching patterns; returns the receivers. */
    public long publish(byte[] channel, byte[] message) {
        long receivers = 0;
        Set<Client> subs = channels.get(new BytesKey(channel));
        if (subs != null) {
            for (Client c : new ArrayList<>(subs)) {
                c.deliver(r -> r.pushing(() -> {
                    r.push(3);
                    r.bulk(MESSAGE);
                    r.bulk(channel);
                    r.bulk(message);
                }));
                receivers++;
            }
        }
        if (!patterns.isEmpty()) {
            for (Map.Entry<BytesKey, Set<Client>> e : new ArrayList<>(patterns.entrySet())) {
                byte[] pattern = e.getKey().bytes();
                if (!Glob.matches(pattern, channel, false)) {
                    continue;
                }
                for (Client c : new ArrayList<>(e.getValue())) {
                    c.deliver(r -> r.pushing(() -> {
                        r.push(4);
                        r.bulk(PMESSAGE);
                        r.bulk(pattern);
                        r.bulk(channel);
                        r.bulk(message);
                    }));
                    receivers++;
                }
            }
        }
        return receivers;
    }

    /** SPUBLISH: delivers to the shard channel's subscribers; returns the receivers. */
    public long spublish(byte[] channel, byte[] message) {
        Set<Client> subs = shardChannels.get(new BytesKey(channel));
        if (subs == null) {
            return 0;
        }
        for (Client c : new ArrayList<>(subs)) {
            c.deliver(r -> r.pushing(() -> {
                r.push(3);
                r.bulk(SMESSAGE);
                r.bulk(channel);
                r.bulk(message);
            }));
        }
        return subs.size();
    }

    // ---- commands

    public void subscribe(Client c) {
        subscribe(c, Kind.CHANNEL);
    }

    public void psubscribe(Client c) {
        subscribe(c, Kind.PATTERN);
    }

    public void ssubscribe(Client c) {
        subscribe(c, Kind.SHARD);
    }

    public void unsubscribe(Client c) {
        unsubscribe(c, Kind.CHANNEL);
    }

    public void punsubscribe(Client c) {
        unsubscribe(c, Kind.PATTERN);
    }

    public void sunsubscribe(Client c) {
        unsubscribe(c, Kind.SHARD);
    }

    /** PUBSUB CHANNELS / SHARDCHANNELS [pattern]. */
    public void channels(Client c, boolean shard) {
        if (c.argc() > 3) {
            c.error(Errors.unknownSubcommandOrArgs(dev.cinnabar.server.protocol.Texts.str(c.arg(1)), "pubsub"));
            return;
        }
        byte[] pattern = c.argc() == 3 ? c.arg(2) : null;
        List<byte[]> out = new ArrayList<>();
        for (BytesKey k : (shard ? shardChannels : channels).keySet()) {
            if (pattern == null || Glob.matches(pattern, k.bytes(), false)) {
                out.add(k.bytes());
            }
        }
        c.reply().array(out.size());
        for (byte[] b : out) {
            c.reply().bulk(b);
        }
    }

    /** PUBSUB NUMSUB / SHARDNUMSUB [channel ...]: a flat array of channel, count pairs. */
    public void numsub(Client c, boolean shard) {
        Map<BytesKey, Set<Client>> t = shard ? shardChannels : channels;
        c.reply().array((c.argc() - 2) * 2);
        for (int i = 2; i < c.argc(); i++) {
            Set<Client> s = t.get(new BytesKey(c.arg(i)));
            c.reply().bulk(c.arg(i));
            c.reply().integer(s == null ? 0 : s.size());
        }
    }

    /** PUBSUB NUMPAT: the number of distinct patterns subscribed. */
    public void numpat(Client c) {
        c.reply().integer(patterns.size());
    }
}
