package dev.cinnabar.server.sentinel;

import dev.cinnabar.server.Log;
import java.util.List;

/**
 * The Sentinel's side of its links to the instances it watches (Redis's sentinelReconnectInstance,
 * sentinelSendPeriodicCommands, the INFO and PING reply handlers and sentinelRefreshInstanceInfo):
 * connecting (AUTH, CLIENT SETNAME, SUBSCRIBE to the hello channel), PING every second, INFO every
 * ten seconds (every second for the replicas of a master that is failing over), a hello every two
 * seconds, and what an INFO reply tells: run id, role, replicas, replication state.
 */
final class Links {
    private Links() {
    }

    static void reconnect(Sentinel st, Instance ri) {
        long now = st.now();
        boolean ccOk = ri.cc != null && !ri.cc.closed();
        boolean pcOk = ri.kind == Instance.Kind.SENTINEL || (ri.pc != null && !ri.pc.closed());
        if ((ccOk && pcOk) || ri.ccConnecting || ri.pcConnecting) {
            return;
        }
        if (now - ri.lastReconnTime < st.t(Timing.PING_PERIOD)) {
            return;
        }
        ri.lastReconnTime = now;
        if (!ccOk) {
            // Redis queues a PING on a new command link at once, before its connect completes or
            // fails: the unanswered-PING clock (SDOWN after down-after-milliseconds, last-ping-sent)
            // starts at the first reconnection even when the instance refuses it (a killed master)
            ri.lastPingTime = now;
            if (ri.actPingTime == 0) {
                ri.actPingTime = now;
            }
            ri.ccConnecting = true;
            connect(st, ri, false);
        }
        if (!pcOk) {
            ri.pcConnecting = true;
            connect(st, ri, true);
        }
    }

    /**
     * Opens the command or the Pub/Sub connection: AUTH when configured, CLIENT SETNAME
     * sentinel-&lt;id&gt;-cmd|pubsub, then a first PING, or the subscription to the hello channel.
     */
    private static void connect(Sentinel st, Instance ri, boolean pubsub) {
        Link.connect(st.server(), ri.ip, ri.port, link -> {
            if (pubsub) {
                ri.pcConnecting = false;
            } else {
                ri.ccConnecting = false;
            }
            if (link == null || !alive(st, ri)) {
                if (link != null) {
                    link.close();
                }
                return;
            }
            if (pubsub) {
                ri.pc = link;
                ri.pcConnTime = st.now();
                ri.pcLastActivity = st.now();
                link.onMessage(msg -> receiveHello(st, ri, msg));
            } else {
                ri.cc = link;
                ri.ccConnTime = st.now();
                ri.actPingTime = 0;
            }
            link.onClose(() -> {
                if (ri.cc == link) {
                    ri.cc = null;
                }
                if (ri.pc == link) {
                    ri.pc = null;
                }
            });
            auth(st, ri, link);
            link.send(null, ri.command("CLIENT"), "SETNAME", clientName(st, pubsub ? "pubsub" : "cmd"));
            if (pubsub) {
                link.send(reply -> {
                    if (reply instanceof Link.Error) {
                        // as Redis's hiredis link: an error in subscribed mode (NOAUTH, the master's
                        // password unknown) ends the connection, so the instance shows disconnected
                        link.close();
                    } else {
                        ri.pcLastActivity = st.now();
                    }
                }, ri.command("SUBSCRIBE"), Sentinel.HELLO_CHANNEL);
            } else {
                sendPing(st, ri);
            }
        });
    }

    /** Still part of the state (not removed by a reset or SENTINEL REMOVE while connecting). */
    private static boolean alive(Sentinel st, Instance ri) {
        Instance m = ri.masterOf();
        if (!st.running() || st.masters.get(m.name) != m) {
            return false;
        }
        return switch (ri.kind) {
            case MASTER -> true;
            case SLAVE -> m.slaves.get(ri.name) == ri;
            case SENTINEL -> m.sentinels.get(ri.name) == ri;
        };
    }

    private static String clientName(Sentinel st, String type) {
        return "sentinel-" + st.myid.substring(0, 8) + "-" + type;
    }

    private static void auth(Sentinel st, Instance ri, Link link) {
        String user;
        String pass;
        if (ri.kind == Instance.Kind.SENTINEL) {
            if (st.sentinelPass != null) {
                user = st.sentinelUser;
                pass = st.sentinelPass;
            } else {
                // as Redis, for older set-ups: requirepass serves both ways between sentinels
                user = null;
                pass = st.config().requirepass == null || st.config().requirepass.isEmpty() ? null
                        : st.config().requirepass;
            }
        } else {
            user = ri.masterOf().authUser;
            pass = ri.masterOf().authPass;
        }
        if (pass == null) {
            return;
        }
        if (user == null) {
            link.send(null, ri.command("AUTH"), pass);
        } else {
            link.send(null, ri.command("AUTH"), user, pass);
        }
    }

    /** Closes links that look dead, so they are reconnected (Redis's sentinelCheckSubjectivelyDown). */
    static void killStaleLinks(Sentinel st, Instance ri, long now) {
        if (ri.cc != null && !ri.cc.closed() && now - ri.ccConnTime > st.t(Timing.MIN_LINK_RECONNECT_PERIOD)
                && ri.actPingTime != 0 && now - ri.actPingTime > ri.downAfterPeriod / 2
                && now - ri.lastPongTime > ri.downAfterPeriod / 2) {
            ri.cc.close();
            ri.cc = null;
        }
        if (ri.pc != null && !ri.pc.closed() && now - ri.pcConnTime > st.t(Timing.MIN_LINK_RECONNECT_PERIOD)
                && now - ri.pcLastActivity > st.t(Timing.PUBLISH_PERIOD) * 3) {
            ri.pc.close();
            ri.pc = null;
        }
    }

    static void sendPeriodicCommands(Sentinel st, Instance ri) {
        if (ri.disconnected()) {
            return;
        }
        if (ri.cc.pendingCommands() >= Sentinel.MAX_PENDING_COMMANDS) {
            return;
        }
        long now = st.now();
        long infoPeriod = st.t(Timing.INFO_PERIOD);
        if (ri.kind == Instance.Kind.SLAVE
                && (ri.master.is(Instance.O_DOWN) || ri.master.is(Instance.FAILOVER_IN_PROGRESS))) {
            infoPeriod = 1000;
        }
        if (ri.kind == Instance.Kind.SLAVE && ri.masterLinkDownTime != 0) {
            infoPeriod = 1000;
        }
        long pingPeriod = Math.min(ri.downAfterPeriod, st.t(Timing.PING_PERIOD));
        if (ri.kind != Instance.Kind.SENTINEL && (ri.infoRefresh == 0 || now - ri.infoRefresh > infoPeriod)) {
            Link cc = ri.cc;
            cc.send(reply -> {
                String text = Link.text(reply);
                if (text != null) {
                    refreshInstanceInfo(st, ri, text);
                }
            }, ri.command("INFO"));
        }
        if (now - ri.lastPongTime > pingPeriod && now - ri.lastPingTime > pingPeriod / 2) {
            sendPing(st, ri);
        }
        if (now - ri.lastPubTime > st.t(Timing.PUBLISH_PERIOD)) {
            sendHello(st, ri);
        }
    }

    static void sendPing(Sentinel st, Instance ri) {
        if (ri.cc == null || ri.cc.closed()) {
            return;
        }
        long now = st.now();
        ri.lastPingTime = now;
        if (ri.actPingTime == 0) {
            ri.actPingTime = now;
        }
        ri.cc.send(reply -> {
            long t = st.now();
            String text = reply instanceof Link.Error e ? e.text() : Link.text(reply);
            if (text != null && (text.startsWith("PONG") || text.startsWith("LOADING") || text.startsWith("MASTERDOWN"))) {
                ri.lastAvailTime = t;
                ri.actPingTime = 0;
                if (text.startsWith("PONG")) {
                    ri.flags &= ~Instance.MASTER_REBOOT; // up again, not just loading
                }
            } else if (text != null && text.startsWith("BUSY") && ri.is(Instance.S_DOWN)
                    && !ri.is(Instance.SCRIPT_KILL_SENT) && ri.cc != null) {
                ri.cc.send(null, ri.command("SCRIPT"), "KILL");
                ri.flags |= Instance.SCRIPT_KILL_SENT;
            }
            ri.lastPongTime = t;
        }, ri.command("PING"));
    }

    static void sendHello(Sentinel st, Instance ri) {
        if (ri.cc == null || ri.cc.closed()) {
            return;
        }
        ri.lastPubTime = st.now();
        ri.cc.send(reply -> {
            if (!(reply instanceof Link.Error)) {
                ri.lastPubTime = st.now();
            }
        }, ri.command("PUBLISH"), Sentinel.HELLO_CHANNEL, st.hello(ri));
    }

    private static void receiveHello(Sentinel st, Instance ri, Object msg) {
        ri.pcLastActivity = st.now();
        if (!(msg instanceof List<?> l) || l.size() != 3) {
            return;
        }
        if (!"message".equals(Link.text(l.get(0)))) {
            return;
        }
        String payload = Link.text(l.get(2));
        if (payload != null && !payload.contains(st.myid)) {
            st.processHello(payload);
        }
    }

    /** What an INFO reply tells about an instance (Redis's sentinelRefreshInstanceInfo). */
    static void refreshInstanceInfo(Sentinel st, Instance ri, String info) {
        long now = st.now();
        ri.info = info;
        ri.masterLinkDownTime = 0;
        Instance.Kind role = null;
        boolean slavesAdded = false;
        for (String raw : info.split("\r?\n")) {
            String l = raw.strip();
            if (l.startsWith("run_id:") && l.length() == 47) {
                String id = l.substring(7);
                if (ri.runid == null || !ri.runid.equals(id)) {
                    if (ri.runid != null) {
                        st.event(Log.NOTICE, "+reboot", ri, "%@");
                        if (ri.kind == Instance.Kind.MASTER && ri.masterRebootDownAfterPeriod != 0) {
                            ri.flags |= Instance.MASTER_REBOOT;
                            ri.masterRebootSinceTime = now;
                        }
                    }
                    ri.runid = id;
                }
            } else if (ri.kind == Instance.Kind.MASTER && l.startsWith("slave") && l.indexOf(':') > 5
                    && l.substring(5, l.indexOf(':')).chars().allMatch(Character::isDigit)) {
                String ip = null;
                int port = -1;
                for (String kv : l.substring(l.indexOf(':') + 1).split(",")) {
                    int eq = kv.indexOf('=');
                    if (eq < 0) {
                        continue;
                    }
                    String k = kv.substring(0, eq);
                    String v = kv.substring(eq + 1);
                    if (k.equals("ip")) {
                        ip = v;
                    } else if (k.equals("port")) {
                        try {
                            port = Integer.parseInt(v);
                        } catch (NumberFormatException e) {
                            port = -1;
                        }
                    }
                }
                if (ip != null && port >= 0 && !ri.slaves.containsKey(Instance.addrKey(ip, port))) {
                    Instance s = st.addSlave(ri, ip, port);
                    if (s != null) {
                        st.event(Log.NOTICE, "+slave", s, "%@");
                        slavesAdded = true;
                    }
                }
            } else if (l.startsWith("master_link_down_since_seconds:")) {
                ri.masterLinkDownTime = parseLong(l.substring(31)) * 1000;
            } else if (l.equals("role:master")) {
                role = Instance.Kind.MASTER;
            } else if (l.equals("role:slave")) {
                role = Instance.Kind.SLAVE;
            } else if (role == Instance.Kind.SLAVE) {
                if (l.startsWith("master_host:")) {
                    String h = l.substring(12);
                    if (ri.slaveMasterHost == null || !ri.slaveMasterHost.equalsIgnoreCase(h)) {
                        ri.slaveMasterHost = h;
                        ri.slaveConfChangeTime = now;
                    }
                } else if (l.startsWith("master_port:")) {
                    int p = (int) parseLong(l.substring(12));
                    if (ri.slaveMasterPort != p) {
                        ri.slaveMasterPort = p;
                        ri.slaveConfChangeTime = now;
                    }
                } else if (l.startsWith("master_link_status:")) {
                    ri.slaveMasterLinkUp = l.substring(19).equalsIgnoreCase("up");
                } else if (l.startsWith("slave_priority:")) {
                    ri.slavePriority = (int) parseLong(l.substring(15));
                } else if (l.startsWith("slave_repl_offset:")) {
                    ri.slaveReplOffset = parseLong(l.substring(18));
                } else if (l.startsWith("replica_announced:")) {
                    ri.replicaAnnounced = (int) parseLong(l.substring(18));
                }
            }
        }
        if (slavesAdded) {
            st.flushConfig();
        }
        ri.infoRefresh = now;
        if (role == null) {
            return;
        }
        if (role != ri.roleReported) {
            ri.roleReportedTime = now;
            ri.roleReported = role;
            if (role == Instance.Kind.SLAVE) {
                ri.slaveConfChangeTime = now;
            }
            st.event(Log.VERBOSE, role == ri.kind ? "+role-change" : "-role-change", ri,
                    "%@ new reported role is " + role.text);
        }
        if (st.tilt) {
            return;
        }
        if (ri.kind == Instance.Kind.SLAVE && role == Instance.Kind.MASTER) {
            Instance m = ri.master;
            if (ri.is(Instance.PROMOTED) && m.is(Instance.FAILOVER_IN_PROGRESS)
                    && m.failoverState == Instance.FS_WAIT_PROMOTION) {
                st.failover().promoted(m, ri);
            } else {
                // a replica turned master without us: once it has looked stable for a while and the
                // master we know looks sane, make it a replica again
                long wait = st.t(Timing.PUBLISH_PERIOD) * 4;
                if (!ri.is(Instance.PROMOTED) && masterLooksSane(st, m) && noDownFor(st, ri, wait)
                        && now - ri.roleReportedTime > wait) {
                    if (sendSlaveOf(st, ri, st.announced(m), m.port)) {
                        st.event(Log.NOTICE, "+convert-to-slave", ri, "%@");
                    }
                }
            }
        }
        if (ri.kind == Instance.Kind.SLAVE && role == Instance.Kind.SLAVE
                && (ri.slaveMasterPort != ri.master.port || !st.addrEqualsHostname(ri.master, ri.slaveMasterHost))) {
            Instance m = ri.master;
            long wait = m.failoverTimeout;
            if (masterLooksSane(st, m) && noDownFor(st, ri, wait) && now - ri.slaveConfChangeTime > wait
                    && !ri.is(Instance.RECONF_SENT | Instance.RECONF_INPROG)) {
                if (sendSlaveOf(st, ri, st.announced(m), m.port)) {
                    st.event(Log.NOTICE, "+fix-slave-config", ri, "%@");
                }
            }
        }
        if (ri.kind == Instance.Kind.SLAVE && role == Instance.Kind.SLAVE
                && ri.is(Instance.RECONF_SENT | Instance.RECONF_INPROG)) {
            Instance promoted = ri.master.promotedSlave;
            if (ri.is(Instance.RECONF_SENT) && promoted != null && st.addrEqualsHostname(promoted, ri.slaveMasterHost)
                    && promoted.port == ri.slaveMasterPort) {
                ri.flags &= ~Instance.RECONF_SENT;
                ri.flags |= Instance.RECONF_INPROG;
                st.event(Log.NOTICE, "+slave-reconf-inprog", ri, "%@");
            }
            if (ri.is(Instance.RECONF_INPROG) && ri.slaveMasterLinkUp) {
                ri.flags &= ~Instance.RECONF_INPROG;
                ri.flags |= Instance.RECONF_DONE;
                st.event(Log.NOTICE, "+slave-reconf-done", ri, "%@");
            }
        }
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static boolean masterLooksSane(Sentinel st, Instance m) {
        return m.kind == Instance.Kind.MASTER && m.roleReported == Instance.Kind.MASTER
                && !m.is(Instance.S_DOWN | Instance.O_DOWN) && st.now() - m.infoRefresh < st.t(Timing.INFO_PERIOD) * 2;
    }

    /** Not SDOWN, and available at least once in the last ms milliseconds. */
    static boolean noDownFor(Sentinel st, Instance ri, long ms) {
        long most = ri.sDownSinceTime;
        if (ri.oDownSinceTime > most) {
            most = ri.oDownSinceTime;
        }
        return most == 0 || st.now() - most > ms;
    }

    /**
     * Makes an instance a replica of host:port (or a master when host is null) in one transaction,
     * as Redis does: REPLICAOF, CONFIG REWRITE (best effort), then CLIENT KILL of the normal and
     * pubsub clients so they reconnect and find the new role.
     */
    static boolean sendSlaveOf(Sentinel st, Instance ri, String host, int port) {
        if (ri.cc == null || ri.cc.closed()) {
            return false;
        }
        String h = host == null ? "NO" : host;
        String p = host == null ? "ONE" : Integer.toString(port);
        ri.cc.sendAll(List.of(
                new String[] {ri.command("MULTI")},
                new String[] {ri.command("SLAVEOF"), h, p},
                new String[] {ri.command("CONFIG"), "REWRITE"},
                new String[] {ri.command("CLIENT"), "KILL", "TYPE", "normal"},
                new String[] {ri.command("CLIENT"), "KILL", "TYPE", "pubsub"},
                new String[] {ri.command("EXEC")}),
                java.util.Arrays.asList(null, null, null, null, null, null));
        return true;
    }
}
