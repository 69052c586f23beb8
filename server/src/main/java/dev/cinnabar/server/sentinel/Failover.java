package dev.cinnabar.server.sentinel;

import dev.cinnabar.server.Log;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The failover of a master, as Redis Sentinel 7.0 runs it: a state machine per master advanced by
 * the timer (wait to be elected leader of the failover epoch, select a replica, REPLICAOF NO ONE,
 * wait for its INFO to say master, reconfigure the other replicas at most parallel-syncs at a
 * time, then switch the monitored address), with Redis's failover-timeout rules and events.
 */
final class Failover {
    private static final DateTimeFormatter CTIME = DateTimeFormatter.ofPattern("EEE MMM d HH:mm:ss yyyy", Locale.ROOT);
    private final Sentinel st;

    Failover(Sentinel st) {
        this.st = st;
    }

    /** Starts a failover of an ODOWN master unless one ran less than 2 x failover-timeout ago. */
    boolean startIfNeeded(Instance m) {
        if (!m.is(Instance.O_DOWN) || m.is(Instance.FAILOVER_IN_PROGRESS)) {
            return false;
        }
        if (st.now() - m.failoverStartTime < m.failoverTimeout * 2) {
            if (m.failoverDelayLogged != m.failoverStartTime) {
                long at = m.failoverStartTime + m.failoverTimeout * 2;
                st.log(Log.NOTICE, "Next failover delay: I will not start a failover before "
                        + CTIME.format(Instant.ofEpochMilli(at).atZone(ZoneId.systemDefault())));
                m.failoverDelayLogged = m.failoverStartTime;
            }
            return false;
        }
        start(m);
        return true;
    }

    void start(Instance m) {
        m.failoverState = Instance.FS_WAIT_START;
        m.flags |= Instance.FAILOVER_IN_PROGRESS;
        m.failoverEpoch = ++st.currentEpoch;
        st.event(Log.WARNING, "+new-epoch", m, Long.toString(st.currentEpoch));
        st.event(Log.WARNING, "+try-failover", m, "%@");
        m.failoverStartTime = st.now() + ThreadLocalRandom.current().nextLong(Sentinel.MAX_DESYNC);
        m.failoverStateChangeTime = st.now();
    }

    void stateMachine(Instance m) {
        if (!m.is(Instance.FAILOVER_IN_PROGRESS)) {
            return;
        }
        switch (m.failoverState) {
            case Instance.FS_WAIT_START -> waitStart(m);
            case Instance.FS_SELECT_SLAVE -> selectSlaveState(m);
            case Instance.FS_SEND_SLAVEOF_NOONE -> sendSlaveOfNoOne(m);
            case Instance.FS_WAIT_PROMOTION -> waitPromotion(m);
            case Instance.FS_RECONF_SLAVES -> reconfNextSlave(m);
            default -> {
            }
        }
    }

    private void waitStart(Instance m) {
        String leader = st.getLeader(m, m.failoverEpoch);
        boolean isLeader = leader != null && leader.equalsIgnoreCase(st.myid);
        if (!isLeader && !m.is(Instance.FORCE_FAILOVER)) {
            long electionTimeout = Math.min(st.t(Timing.ELECTION_TIMEOUT), m.failoverTimeout);
            if (st.now() - m.failoverStartTime > electionTimeout) {
                st.event(Log.WARNING, "-failover-abort-not-elected", m, "%@");
                abort(m);
            }
            return;
        }
        st.event(Log.WARNING, "+elected-leader", m, "%@");
        if ((st.simfailureFlags & Sentinel.SIMFAILURE_CRASH_AFTER_ELECTION) != 0) {
            simulatedCrash();
        }
        m.failoverState = Instance.FS_SELECT_SLAVE;
        m.failoverStateChangeTime = st.now();
        st.event(Log.WARNING, "+failover-state-select-slave", m, "%@");
    }

    private void simulatedCrash() {
        st.log(Log.WARNING, "Sentinel is simulating a failure and will exit now...");
        Runtime.getRuntime().halt(99);
    }

    /** The best replica to promote, or null (Redis's sentinelSelectSlave). */
    Instance selectSlave(Instance m) {
        long now = st.now();
        long maxMasterDownTime = 0;
        if (m.is(Instance.S_DOWN)) {
            maxMasterDownTime += now - m.sDownSinceTime;
        }
        maxMasterDownTime += m.downAfterPeriod * 10;
        List<Instance> ok = new ArrayList<>();
        for (Instance s : m.slaves.values()) {
            if (s.is(Instance.S_DOWN | Instance.O_DOWN) || s.disconnected()) {
                continue;
            }
            if (now - s.lastAvailTime > st.t(Timing.PING_PERIOD) * 5 || s.slavePriority == 0) {
                continue;
            }
            long validity = m.is(Instance.S_DOWN) ? st.t(Timing.PING_PERIOD) * 5 : st.t(Timing.INFO_PERIOD) * 3;
            if (now - s.infoRefresh > validity || s.masterLinkDownTime > maxMasterDownTime) {
                continue;
            }
            ok.add(s);
        }
        ok.sort(Comparator.<Instance>comparingInt(s -> s.slavePriority)
                .thenComparing(Comparator.<Instance>comparingLong(s -> s.slaveReplOffset).reversed())
                .thenComparing(s -> s.runid, Comparator.nullsLast(String.CASE_INSENSITIVE_ORDER)));
        return ok.isEmpty() ? null : ok.get(0);
    }

    private void selectSlaveState(Instance m) {
        Instance s = selectSlave(m);
        if (s == null) {
            st.event(Log.WARNING, "-failover-abort-no-good-slave", m, "%@");
            abort(m);
            return;
        }
        st.event(Log.WARNING, "+selected-slave", s, "%@");
        s.flags |= Instance.PROMOTED;
        m.promotedSlave = s;
        m.failoverState = Instance.FS_SEND_SLAVEOF_NOONE;
        m.failoverStateChangeTime = st.now();
        st.event(Log.NOTICE, "+failover-state-send-slaveof-noone", s, "%@");
    }

    private void sendSlaveOfNoOne(Instance m) {
        Instance s = m.promotedSlave;
        if (s.cc == null || s.cc.closed()) {
            if (st.now() - m.failoverStateChangeTime > m.failoverTimeout) {
                st.event(Log.WARNING, "-failover-abort-slave-timeout", m, "%@");
                abort(m);
            }
            return;
        }
        if (!Links.sendSlaveOf(st, s, null, 0)) {
            return;
        }
        st.event(Log.NOTICE, "+failover-state-wait-promotion", s, "%@");
        m.failoverState = Instance.FS_WAIT_PROMOTION;
        m.failoverStateChangeTime = st.now();
    }

    private void waitPromotion(Instance m) {
        if (st.now() - m.failoverStateChangeTime > m.failoverTimeout) {
            st.event(Log.WARNING, "-failover-abort-slave-timeout", m, "%@");
            abort(m);
        }
    }

    /** The promoted replica's INFO says master: the new configuration epoch is ours. */
    void promoted(Instance m, Instance s) {
        m.configEpoch = m.failoverEpoch;
        m.failoverState = Instance.FS_RECONF_SLAVES;
        m.failoverStateChangeTime = st.now();
        st.flushConfig();
        st.event(Log.WARNING, "+promoted-slave", s, "%@");
        if ((st.simfailureFlags & Sentinel.SIMFAILURE_CRASH_AFTER_PROMOTION) != 0) {
            simulatedCrash();
        }
        st.event(Log.WARNING, "+failover-state-reconf-slaves", m, "%@");
        st.callClientReconfScript(m, "leader", "start", st.announced(m), m.port, st.announced(s), s.port);
        st.forceHelloUpdate(m);
    }

    private void reconfNextSlave(Instance m) {
        int inProgress = 0;
        for (Instance s : m.slaves.values()) {
            if (s.is(Instance.RECONF_SENT | Instance.RECONF_INPROG)) {
                inProgress++;
            }
        }
        long now = st.now();
        for (Instance s : m.slaves.values()) {
            if (inProgress >= m.parallelSyncs) {
                break;
            }
            if (s.is(Instance.PROMOTED | Instance.RECONF_DONE)) {
                continue;
            }
            if (s.is(Instance.RECONF_SENT) && now - s.slaveReconfSentTime > st.t(Timing.SLAVE_RECONF_TIMEOUT)) {
                st.event(Log.NOTICE, "-slave-reconf-sent-timeout", s, "%@");
                s.flags &= ~Instance.RECONF_SENT;
                s.flags |= Instance.RECONF_DONE;
            }
            if (s.is(Instance.RECONF_SENT | Instance.RECONF_INPROG)) {
                continue;
            }
            if (s.disconnected()) {
                continue;
            }
            if (Links.sendSlaveOf(st, s, st.announced(m.promotedSlave), m.promotedSlave.port)) {
                s.flags |= Instance.RECONF_SENT;
                s.slaveReconfSentTime = now;
                st.event(Log.NOTICE, "+slave-reconf-sent", s, "%@");
                inProgress++;
            }
        }
        detectEnd(m);
    }

    private void detectEnd(Instance m) {
        Instance promoted = m.promotedSlave;
        if (promoted == null || promoted.is(Instance.S_DOWN)) {
            return;
        }
        int notReconfigured = 0;
        for (Instance s : m.slaves.values()) {
            if (s.is(Instance.PROMOTED | Instance.RECONF_DONE) || s.is(Instance.S_DOWN)) {
                continue;
            }
            notReconfigured++;
        }
        boolean timeout = false;
        if (st.now() - m.failoverStateChangeTime > m.failoverTimeout) {
            notReconfigured = 0;
            timeout = true;
            st.event(Log.WARNING, "+failover-end-for-timeout", m, "%@");
        }
        if (notReconfigured == 0) {
            st.event(Log.WARNING, "+failover-end", m, "%@");
            m.failoverState = Instance.FS_UPDATE_CONFIG;
            m.failoverStateChangeTime = st.now();
        }
        if (timeout) {
            for (Instance s : m.slaves.values()) {
                if (s.is(Instance.PROMOTED | Instance.RECONF_DONE | Instance.RECONF_SENT) || s.disconnected()) {
                    continue;
                }
                if (Links.sendSlaveOf(st, s, st.announced(promoted), promoted.port)) {
                    st.event(Log.NOTICE, "+slave-reconf-sent-be", s, "%@");
                    s.flags |= Instance.RECONF_SENT;
                }
            }
        }
    }

    void abort(Instance m) {
        m.flags &= ~(Instance.FAILOVER_IN_PROGRESS | Instance.FORCE_FAILOVER);
        m.failoverState = Instance.FS_NONE;
        m.failoverStateChangeTime = st.now();
        if (m.promotedSlave != null) {
            m.promotedSlave.flags &= ~Instance.PROMOTED;
            m.promotedSlave = null;
        }
    }

    /** The failover ended: monitor the promoted replica as the master (+switch-master). */
    void switchToPromotedSlave(Instance m) {
        Instance ref = m.promotedSlave != null ? m.promotedSlave : m;
        st.event(Log.WARNING, "+switch-master", m, m.name + " " + st.announced(m) + " " + m.port + " " + st.announced(ref) + " "
                + ref.port);
        st.resetMasterAndChangeAddress(m, ref.hostname, ref.port);
        st.flushConfig();
    }
}
