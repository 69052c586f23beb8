package dev.cinnabar.ops;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;

/**
 * {@code cinnabar failover promote}: the design notes' manual promotion (redis_failover.sh's
 * promote_slave_to_master) done safely, in the order Redis's own FAILOVER follows: when the old
 * master still answers, its writes are paused (CLIENT PAUSE WRITE) and the replica must reach its
 * offset before anything changes (else the pause is lifted and nothing is changed); then
 * REPLICAOF NO ONE on the replica, REPLICAOF to it on the others and on the old master (so two
 * masters never take writes), CONFIG REWRITE on each so the roles survive a restart, and each
 * link is watched until it is up. Exit code 0, or 1 with
 * the reason.
 */
@Command(name = "failover", mixinStandardHelpOptions = true,
        description = "Promote a replica to master and repoint the others.",
        subcommands = {Failover.Promote.class})
final class Failover {
    @Command(name = "promote", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Promote a replica: pause the old master's writes (when it answers) and wait until the "
                    + "replica has its offset, REPLICAOF NO ONE on the replica, REPLICAOF <replica> on the others and "
                    + "the old master, and wait until each link is up.",
                "Exit code: 0 done, 1 failed (what was changed is printed)."})
    static final class Promote implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--replica", required = true, paramLabel = "HOST:PORT", converter = HostPort.Converter.class,
                description = "The replica to promote; the others are pointed at this address.")
        HostPort replica;

        @Option(names = "--others", split = ",", paramLabel = "HOST:PORT", converter = HostPort.Converter.class,
                description = "The other replicas, to replicate the new master.")
        List<HostPort> others = new ArrayList<>();

        @Option(names = {"-a", "--password"}, description = "Password for every server (AUTH).")
        String password;

        @Option(names = "--timeout", paramLabel = "SECONDS", description = "How long to wait for the replica to catch "
                + "up, and for each link to come up (default ${DEFAULT-VALUE}).")
        int timeout = 30;

        @Option(names = "--force", description = "Promote even when the replica cannot be shown to have the master's "
                + "writes (its link is down while the master answers, or it did not catch up in time).")
        boolean force;

        private PrintWriter out;

        @Override
        public Integer call() {
            out = spec.commandLine().getOut();
            try {
                promote();
                return 0;
            } catch (Replication.CheckError e) {
                out.flush();
                spec.commandLine().getErr().println("cinnabar failover promote: " + e.getMessage());
                return 1;
            }
        }

        private void say(String line) {
            out.println(line);
            out.flush();
        }

        private Jedis connect(HostPort at) {
            return at.open(password, "");
        }

        private void promote() {
            HostPort oldMaster;
            boolean linkUp;
            try (Jedis r = connect(replica)) {
                Map<String, String> ri = Info.read(r, "replication");
                if (!"slave".equals(ri.get("role"))) {
                    throw new Replication.CheckError(replica + " is not a replica (role:" + ri.get("role")
                            + "): nothing to promote");
                }
                oldMaster = new HostPort(ri.get("master_host"), (int) Info.num(ri.get("master_port")));
                linkUp = "up".equals(ri.get("master_link_status"));
                say("Replica " + replica + ": replica of " + oldMaster + ", link " + ri.get("master_link_status")
                        + ", offset " + ri.get("slave_repl_offset"));
            }
            Jedis master = null;
            try {
                try {
                    master = oldMaster.open(password, "");
                } catch (Replication.CheckError e) {
                    String why = e.getMessage().substring(e.getMessage().indexOf(": ") + 2);
                    say("Old master " + oldMaster + " does not answer (" + why + "): promoting the replica "
                            + "with the data it has");
                }
                if (master != null) {
                    if (!linkUp && !force) {
                        throw new Replication.CheckError("the replica's link to " + oldMaster + " is down while that "
                                + "master answers: the replica may lack its latest writes. Nothing was changed. Fix "
                                + "the link (see the replica's log), or give --force to promote it anyway");
                    }
                    catchUp(master, oldMaster);
                }
                try (Jedis r = connect(replica)) {
                    r.sendCommand(Protocol.Command.REPLICAOF, "NO", "ONE");
                    String role = Info.read(r, "replication").get("role");
                    if (!"master".equals(role)) {
                        throw new Replication.CheckError("REPLICAOF NO ONE on " + replica + " left it with role:" + role);
                    }
                    say("Promoted " + replica + " (REPLICAOF NO ONE): role master, offset "
                            + Info.read(r, "replication").get("master_repl_offset") + rewrite(r));
                }
                List<HostPort> repoint = new ArrayList<>();
                for (HostPort o : others) {
                    if (!o.sameAs(replica.host(), replica.port()) && repoint.stream().noneMatch(
                            p -> p.sameAs(o.host(), o.port()))) {
                        repoint.add(o);
                    }
                }
                List<String> failed = new ArrayList<>();
                if (master != null) {
                    HostPort old = oldMaster;
                    repoint.removeIf(p -> p.sameAs(old.host(), old.port()));
                    // the old master first, while its writes are still paused: it never takes a write again
                    if (!point(master, oldMaster, "old master ")) {
                        failed.add(oldMaster.toString());
                    }
                    master.sendCommand(Protocol.Command.CLIENT, "UNPAUSE");
                }
                for (HostPort o : repoint) {
                    try (Jedis j = connect(o)) {
                        if (!point(j, o, "")) {
                            failed.add(o.toString());
                        }
                    } catch (Replication.CheckError e) {
                        say("Repointing " + o + ": FAILED: " + e.getMessage());
                        failed.add(o.toString());
                    }
                }
                List<HostPort> linked = new ArrayList<>(repoint);
                if (master != null) {
                    linked.add(0, oldMaster);
                }
                for (HostPort o : linked) {
                    if (!failed.contains(o.toString()) && !awaitLink(o)) {
                        failed.add(o.toString());
                    }
                }
                if (!failed.isEmpty()) {
                    throw new Replication.CheckError(replica + " is the master now, but " + String.join(", ", failed)
                            + " did not follow it (see above)");
                }
                say("Failover done: " + replica + " is the master" + (linked.isEmpty() ? ""
                        : ", " + linked.size() + " replica(s) linked to it"));
            } finally {
                if (master != null) {
                    master.close();
                }
            }
        }

        /** Pauses the old master's writes and waits until the replica has its offset; unpauses on failure. */
        private void catchUp(Jedis master, HostPort oldMaster) {
            long pauseMs = (timeout + 10) * 1000L;
            master.sendCommand(Protocol.Command.CLIENT, "PAUSE", Long.toString(pauseMs), "WRITE");
            say("Paused writes on the old master " + oldMaster + " (CLIENT PAUSE " + pauseMs + " WRITE)");
            long deadline = System.nanoTime() + timeout * 1_000_000_000L;
            long lastSay = System.nanoTime();
            try (Jedis r = connect(replica)) {
                while (true) {
                    long target = Info.num(Info.read(master, "replication").get("master_repl_offset"));
                    long at = Info.num(Info.read(r, "replication").get("slave_repl_offset"));
                    if (at >= target) {
                        say("Replica caught up: offset " + at + " = the master's " + target);
                        return;
                    }
                    if (System.nanoTime() > deadline) {
                        if (force) {
                            say("Replica did not catch up within " + timeout + " s (offset " + at + " of " + target
                                    + "): promoting anyway (--force); " + (target - at) + " bytes of writes are lost");
                            return;
                        }
                        master.sendCommand(Protocol.Command.CLIENT, "UNPAUSE");
                        throw new Replication.CheckError("the replica did not catch up within " + timeout + " s (offset "
                                + at + " of " + target + "). Nothing was changed; writes resumed on " + oldMaster);
                    }
                    if (System.nanoTime() - lastSay > 1_000_000_000L) {
                        say("  waiting for the replica: offset " + at + " of " + target + " (" + (target - at)
                                + " bytes behind)");
                        lastSay = System.nanoTime();
                    }
                    Replication.sleep(20);
                }
            } catch (RuntimeException e) {
                if (!(e instanceof Replication.CheckError)) {
                    master.sendCommand(Protocol.Command.CLIENT, "UNPAUSE");
                }
                throw e;
            }
        }

        /** REPLICAOF the new master on one server; false (with a line) when refused. */
        private boolean point(Jedis j, HostPort at, String what) {
            try {
                j.sendCommand(Protocol.Command.REPLICAOF, replica.host(), Integer.toString(replica.port()));
                say("Repointed " + what + at + " (REPLICAOF " + replica.host() + " " + replica.port() + ")"
                        + rewrite(j));
                return true;
            } catch (RuntimeException e) {
                say("Repointing " + what + at + ": FAILED: " + Cli.reason(e));
                return false;
            }
        }

        /**
         * CONFIG REWRITE, so the new role survives a restart (the notes' script edits the files with
         * sed); says whether it did.
         */
        private String rewrite(Jedis j) {
            try {
                j.sendCommand(Protocol.Command.CONFIG, "REWRITE");
            } catch (redis.clients.jedis.exceptions.JedisDataException e) {
                return "; not persisted (CONFIG REWRITE: " + e.getMessage() + ")";
            }
            // when the file is on this host, check that it says the new role
            java.nio.file.Path file = java.nio.file.Path.of(Info.read(j, "server").getOrDefault("config_file", ""));
            if (!file.isAbsolute() || !java.nio.file.Files.isReadable(file)) {
                return ", configuration file rewritten";
            }
            String master = null;
            try {
                for (String line : java.nio.file.Files.readAllLines(file, java.nio.charset.StandardCharsets.ISO_8859_1)) {
                    String[] w = line.strip().split("\\s+");
                    if (w.length == 3 && (w[0].equalsIgnoreCase("replicaof") || w[0].equalsIgnoreCase("slaveof"))) {
                        master = w[1] + ":" + w[2];
                    }
                }
            } catch (java.io.IOException | RuntimeException e) {
                return ", configuration file rewritten";
            }
            boolean promoted = "master".equals(Info.read(j, "replication").get("role"));
            boolean right = promoted ? master == null
                    : master != null && HostPort.parse(master).sameAs(replica.host(), replica.port());
            return right ? ", " + file + " rewritten" : "; WARNING: after CONFIG REWRITE " + file + " says "
                    + (master == null ? "no replicaof" : "replicaof " + master.replace(':', ' '))
                    + ": the server would take another role at its next start; fix the file";
        }

        /** Waits until the server's link to the new master is up; says how it ended. */
        private boolean awaitLink(HostPort at) {
            long deadline = System.nanoTime() + timeout * 1_000_000_000L;
            try (Jedis j = connect(at)) {
                while (true) {
                    Map<String, String> i = Info.read(j, "replication");
                    boolean ours = replica.sameAs(i.getOrDefault("master_host", ""), (int) Info.num(i.get("master_port")));
                    if (ours && "up".equals(i.get("master_link_status"))) {
                        say("  " + at + ": link up, offset " + i.get("slave_repl_offset"));
                        return true;
                    }
                    if (System.nanoTime() > deadline) {
                        say("  " + at + ": FAILED: link to " + replica + " not up after " + timeout + " s (role:"
                                + i.get("role") + ", master_link_status:" + i.get("master_link_status") + ")");
                        return false;
                    }
                    Replication.sleep(50);
                }
            } catch (Replication.CheckError e) {
                say("  " + at + ": FAILED: " + e.getMessage());
                return false;
            }
        }
    }
}
