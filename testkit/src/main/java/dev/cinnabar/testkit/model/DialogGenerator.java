package dev.cinnabar.testkit.model;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random dialogs of 2 to 4 connections that mix, per dialog, a random subset of: MULTI/EXEC/WATCH
 * (also pipelined whole), blocking pops and what wakes them (pushes, CLIENT UNBLOCK), pub/sub
 * (channels, patterns, shard channels; RESP2 and RESP3 connections), CLIENT REPLY ON/OFF/SKIP,
 * CLIENT PAUSE WRITE/ALL and UNPAUSE, a busy script and SCRIPT KILL, CLIENT KILL (by id, address,
 * type), client-side tracking (RESP3 pushes, BCAST, REDIRECT to a RESP2 subscriber), short
 * scripts, HELLO, RESET and QUIT. The values are few (keys k, n, l, l2; channels ch, ch2) so the
 * connections keep running into each other.
 *
 * <p>Each candidate step goes through {@link DialogModel#reject}; accepted steps update the model,
 * so later steps see which connections are blocked, paused, subscribed or closed. Deterministic:
 * the same seed gives the same dialog.
 */
public final class DialogGenerator {
    /** How long CLIENT PAUSE ALL holds the server: the async steps after it must fit in half. */
    static final int PAUSE_ALL_MS = 200;

    private record Features(boolean pubsub, boolean blocking, boolean multi, boolean reply, boolean pause,
                            boolean busy, boolean kill, boolean tracking, boolean scripts) {
    }

    public Dialog generate(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int clients = 2 + r.nextInt(3);
        Features f = features(r);
        DialogModel m = new DialogModel(clients);
        List<Dialog.Step> body = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            if (r.nextInt(100) < 35) {
                add(m, body, Dialog.Step.of(c, "HELLO", "3"));
            }
        }
        int target = body.size() + 6 + r.nextInt(16);
        int maxAsync = 0;
        int kills = 0;
        boolean busyUsed = false;
        for (int attempt = 0; body.size() < target && attempt < target * 40; attempt++) {
            if (m.pause() == DialogModel.Pause.ALL && maxAsync == 0) {
                // the PAUSE step itself is async; then one or two commands the pause holds
                maxAsync = 2 + r.nextInt(2);
            }
            Dialog.Step s = propose(r, m, f, maxAsync, kills < 2, !busyUsed);
            if (s != null && add(m, body, s)) {
                String name = Dialog.commandName(s.commands().get(0));
                kills += "client|kill".equals(name) ? 1 : 0;
                busyUsed |= m.busy();
                if (m.pause() != DialogModel.Pause.ALL) {
                    maxAsync = 0;
                }
            }
        }
        return Dialog.of(seed, clients, body);
    }

    private static boolean add(DialogModel m, List<Dialog.Step> body, Dialog.Step s) {
        if (m.reject(s) != null) {
            return false;
        }
        m.apply(s);
        body.add(s);
        return true;
    }

    private static Features features(SplittableRandom r) {
        while (true) {
            Features f = new Features(r.nextInt(100) < 50, r.nextInt(100) < 45, r.nextInt(100) < 45,
                    r.nextInt(100) < 40, r.nextInt(100) < 12, r.nextInt(100) < 10, r.nextInt(100) < 25,
                    r.nextInt(100) < 20, r.nextInt(100) < 20);
            if (f.pubsub || f.blocking || f.multi || f.reply || f.pause || f.busy || f.kill || f.tracking
                    || f.scripts) {
                return f;
            }
        }
    }

    private Dialog.Step propose(SplittableRandom r, DialogModel m, Features f, int maxAsync, boolean mayKill,
                                boolean mayBusy) {
        List<Integer> usable = new ArrayList<>();
        for (int i = 0; i < m.clients(); i++) {
            if (m.conn(i).usable()) {
                usable.add(i);
            }
        }
        if (usable.isEmpty()) {
            return null;
        }
        int ci = usable.get(r.nextInt(usable.size()));
        DialogModel.Conn c = m.conn(ci);
        if (m.pause() == DialogModel.Pause.ALL && m.asyncSteps() < maxAsync) {
            return new Dialog.Step(ci, List.of(r.nextBoolean() ? plainRead(r) : plainWrite(r)), true);
        }
        if (c.blocked != null) {
            return step(ci, plainRead(r));
        }
        if (m.busy() && r.nextInt(3) == 0) {
            return step(ci, List.of("SCRIPT", "KILL"));
        }
        if (c.multi && f.multi) {
            return step(ci, inMulti(r, f));
        }
        int roll = r.nextInt(100);
        if (roll < 30) {
            return step(ci, data(r));
        }
        if (roll < 38) {
            return pipeline(r, ci, f);
        }
        int w = r.nextInt(11);
        return switch (w) {
            case 0 -> f.multi ? step(ci, r.nextInt(4) == 0 ? List.of("WATCH", pick(r, "k", "l", "n"))
                    : List.of("MULTI")) : null;
            case 1 -> f.blocking ? blocking(r, m, ci) : null;
            case 2 -> f.pubsub ? step(ci, pubsub(r, c)) : null;
            case 3 -> f.reply ? step(ci, reply(r, c)) : null;
            case 4 -> f.pause ? pause(r, m, ci) : null;
            case 5 -> f.busy && mayBusy ? step(ci, List.of("EVAL", DialogModel.BUSY_SCRIPT, "0")) : null;
            case 6 -> f.kill && mayKill && r.nextInt(3) == 0 ? step(ci, kill(r, m)) : null;
            case 7 -> f.tracking ? step(ci, tracking(r, m, c)) : null;
            case 8 -> f.scripts ? step(ci, script(r)) : null;
            case 9 -> r.nextInt(4) == 0 ? step(ci, List.of("HELLO", c.resp == 2 ? "3" : "2")) : null;
            default -> r.nextInt(6) == 0 ? step(ci, List.of("RESET")) : r.nextInt(15) == 0 ? step(ci, List.of("QUIT"))
                    : step(ci, data(r));
        };
    }

    private static Dialog.Step step(int client, List<String> cmd) {
        return new Dialog.Step(client, List.of(cmd), false);
    }

    private static String pick(SplittableRandom r, String... options) {
        return options[r.nextInt(options.length)];
    }

    private static List<String> plainRead(SplittableRandom r) {
        return switch (r.nextInt(5)) {
            case 0 -> List.of("GET", "k");
            case 1 -> List.of("PING");
            case 2 -> List.of("LLEN", "l");
            case 3 -> List.of("EXISTS", "k", "l");
            default -> List.of("MGET", "k", "n");
        };
    }

    private static List<String> plainWrite(SplittableRandom r) {
        return switch (r.nextInt(3)) {
            case 0 -> List.of("SET", "k", pick(r, "v1", "v2"));
            case 1 -> List.of("INCR", "n");
            default -> List.of("APPEND", "k", "x");
        };
    }

    private static List<String> data(SplittableRandom r) {
        return switch (r.nextInt(17)) {
            case 0, 1 -> List.of("SET", "k", pick(r, "v1", "v2"));
            case 2, 3 -> List.of("GET", "k");
            case 4 -> List.of("INCR", "n");
            case 5 -> List.of("MGET", "k", "n");
            case 6 -> List.of("DEL", pick(r, "k", "l", "l2"));
            case 7 -> List.of("LPUSH", "l", pick(r, "a", "b"));
            case 8 -> List.of("RPUSH", pick(r, "l", "l2"), "c", "d");
            case 9 -> List.of("LPOP", "l");
            case 10 -> List.of("RPOP", "l2");
            case 11 -> List.of("LRANGE", "l", "0", "-1");
            case 12 -> List.of("LMOVE", "l", "l2", "LEFT", "RIGHT");
            case 13 -> List.of("ECHO", "hi");
            case 14 -> List.of("EXISTS", "k", "l");
            case 15 -> List.of("APPEND", "k", "x");
            default -> r.nextInt(4) == 0 ? List.of("FLUSHALL") : List.of("PING");
        };
    }

    private Dialog.Step pipeline(SplittableRandom r, int ci, Features f) {
        List<List<String>> cmds = new ArrayList<>();
        if (f.multi && r.nextBoolean()) {
            cmds.add(List.of("MULTI"));
            for (int i = 1 + r.nextInt(2); i > 0; i--) {
                cmds.add(pipelined(r, f));
            }
            cmds.add(List.of(r.nextInt(5) == 0 ? "DISCARD" : "EXEC"));
        } else {
            for (int i = 2 + r.nextInt(2); i > 0; i--) {
                cmds.add(pipelined(r, f));
            }
        }
        return new Dialog.Step(ci, cmds, false);
    }

    private static List<String> pipelined(SplittableRandom r, Features f) {
        int roll = r.nextInt(10);
        if (roll == 0 && f.pubsub) {
            return List.of("PUBLISH", pick(r, "ch", "ch2"), pick(r, "m1", "m2"));
        }
        if (roll == 1 && f.blocking) {
            return List.of("BLPOP", "l", "0");
        }
        if (roll == 2 && f.scripts) {
            return script(r);
        }
        List<String> d = data(r);
        return d.get(0).equals("FLUSHALL") ? List.of("PING") : d;
    }

    private static List<String> inMulti(SplittableRandom r, Features f) {
        int roll = r.nextInt(20);
        if (roll < 6) {
            return List.of("EXEC");
        }
        if (roll < 8) {
            return List.of("DISCARD");
        }
        if (roll == 8 && f.pubsub) {
            return List.of(r.nextBoolean() ? "SUBSCRIBE" : "UNSUBSCRIBE", pick(r, "ch", "ch2"));
        }
        if (roll == 9 && f.pubsub) {
            return List.of("PUBLISH", pick(r, "ch", "ch2"), "m3");
        }
        if (roll == 10) {
            return List.of("BLPOP", "l", "0");
        }
        if (roll == 11) {
            return List.of("WATCH", "k");
        }
        if (roll == 12 && f.scripts) {
            return script(r);
        }
        return data(r);
    }

    private Dialog.Step blocking(SplittableRandom r, DialogModel m, int ci) {
        int roll = r.nextInt(10);
        if (roll < 4) {
            return step(ci, switch (r.nextInt(4)) {
                case 0 -> List.of("BLPOP", "l", "l2", "0");
                case 1 -> List.of("BRPOP", "l2", "0");
                case 2 -> List.of("BLMOVE", "l", "l2", "LEFT", "RIGHT", "0");
                default -> List.of("BLPOP", "l", "0");
            });
        }
        if (roll < 8) {
            return step(ci, List.of(r.nextBoolean() ? "LPUSH" : "RPUSH", pick(r, "l", "l", "l2"), pick(r, "a", "b")));
        }
        for (int i = 0; i < m.clients(); i++) {
            if ("keys".equals(m.conn(i).blocked)) {
                return step(ci, r.nextBoolean() ? List.of("CLIENT", "UNBLOCK", "$c" + i + ".id")
                        : List.of("CLIENT", "UNBLOCK", "$c" + i + ".id", pick(r, "ERROR", "TIMEOUT")));
            }
        }
        return step(ci, List.of("CLIENT", "UNBLOCK", "$c" + r.nextInt(m.clients()) + ".id"));
    }

    private static List<String> pubsub(SplittableRandom r, DialogModel.Conn c) {
        return switch (r.nextInt(12)) {
            case 0, 1 -> List.of("SUBSCRIBE", pick(r, "ch", "ch2"));
            case 2 -> List.of("SUBSCRIBE", "ch", "ch2");
            case 3 -> List.of("PSUBSCRIBE", "c*");
            case 4 -> r.nextBoolean() ? List.of("UNSUBSCRIBE") : List.of("UNSUBSCRIBE", pick(r, "ch", "ch2"));
            case 5 -> List.of("PUNSUBSCRIBE");
            case 6 -> r.nextBoolean() ? List.of("SSUBSCRIBE", "sch") : List.of("SUNSUBSCRIBE");
            case 7 -> List.of("SPUBLISH", "sch", "m4");
            case 8 -> c.resp == 2 ? List.of("SUBSCRIBE", "__redis__:invalidate") : List.of("PING");
            default -> List.of("PUBLISH", pick(r, "ch", "ch2"), pick(r, "m1", "m2"));
        };
    }

    private static List<String> reply(SplittableRandom r, DialogModel.Conn c) {
        int roll = r.nextInt(10);
        String mode = c.replyOff ? (roll < 6 ? "ON" : roll < 7 ? "SKIP" : "OFF")
                : (roll < 5 ? "OFF" : roll < 9 ? "SKIP" : "ON");
        return List.of("CLIENT", "REPLY", mode);
    }

    private Dialog.Step pause(SplittableRandom r, DialogModel m, int ci) {
        if (m.pause() == DialogModel.Pause.WRITE) {
            return step(ci, r.nextBoolean() ? List.of("CLIENT", "UNPAUSE") : data(r));
        }
        if (r.nextInt(3) == 0) {
            return new Dialog.Step(ci, List.of(List.of("CLIENT", "PAUSE", Integer.toString(PAUSE_ALL_MS), "ALL")),
                    true);
        }
        return step(ci, List.of("CLIENT", "PAUSE", "100000", "WRITE"));
    }

    private static List<String> kill(SplittableRandom r, DialogModel m) {
        int victim = r.nextInt(m.clients());
        return switch (r.nextInt(5)) {
            case 0, 1 -> List.of("CLIENT", "KILL", "ID", "$c" + victim + ".id");
            case 2 -> List.of("CLIENT", "KILL", "ADDR", "$c" + victim + ".addr");
            case 3 -> List.of("CLIENT", "KILL", "$c" + victim + ".addr");
            default -> List.of("CLIENT", "KILL", "TYPE", "pubsub");
        };
    }

    private static List<String> tracking(SplittableRandom r, DialogModel m, DialogModel.Conn c) {
        if (r.nextInt(4) == 0) {
            return List.of("CLIENT", "TRACKING", "OFF");
        }
        if (c.resp == 2) {
            int target = r.nextInt(m.clients());
            return List.of("CLIENT", "TRACKING", "ON", "REDIRECT", "$c" + target + ".id");
        }
        return switch (r.nextInt(4)) {
            case 0 -> List.of("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "k");
            case 1 -> List.of("CLIENT", "TRACKING", "ON", "NOLOOP");
            case 2 -> List.of("CLIENT", "TRACKING", "ON", "BCAST");
            default -> List.of("CLIENT", "TRACKING", "ON");
        };
    }

    private static List<String> script(SplittableRandom r) {
        return switch (r.nextInt(4)) {
            case 0 -> List.of("EVAL", "return redis.call('incr',KEYS[1])", "1", "n");
            case 1 -> List.of("EVAL", "redis.call('rpush',KEYS[1],'s') return 1", "1", "l");
            case 2 -> List.of("EVAL", "return redis.call('publish','ch','s')", "0");
            default -> List.of("EVAL", "return redis.call('get',KEYS[1])", "1", "k");
        };
    }
}
