package dev.cinnabar.tests.replication;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.CinnabarServer;
import dev.cinnabar.testkit.Ports;
import dev.cinnabar.testkit.RealRedis;
import dev.cinnabar.testkit.RespClient;
import dev.cinnabar.tests.tls.TlsSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * tls-replication against real Redis 7.0 in both roles: Cinnabar replica of a Redis master's
 * tls-port, and a Redis replica of Cinnabar's tls-port; full sync, a write load through the
 * stream, and the same DEBUG DIGEST. Both links use the test CA and the servers' certificates as
 * client certificates (tls-auth-clients yes on both masters). Clients of the test use the plain
 * ports.
 */
class TlsReplicationTest {

    @Test
    void cinnabarReplicaOfATlsRedisMaster() throws Exception {
        RealRedis.assumeAvailable();
        int masterTls = Ports.free();
        try (RealRedis master = RealRedis.start(redisArgs(masterTls, "--tls-replication", "yes",
                "--enable-debug-command", "yes"));
             RespClient m = master.client()) {
            Random rnd = new Random(14);
            Replicas.randomWrites(m, rnd, 300);
            try (TlsSupport.Server replica = TlsSupport.start("tls-replication", "yes", "enable-debug-command", "yes");
                 RespClient r = new RespClient(replica.port())) {
                r.call("REPLICAOF", "127.0.0.1", Integer.toString(masterTls));
                Replicas.awaitInSync(m, r);
                Replicas.randomWrites(m, rnd, 500);
                Replicas.settle(m, r);
                assertThat(r.call("DEBUG", "DIGEST").asText()).isEqualTo(m.call("DEBUG", "DIGEST").asText());
                // the replica announces its TLS port, as a Redis replica with tls-replication does
                assertThat(Replicas.info(m, "replication", "slave0")).contains("port=" + replica.tlsPort());
                assertThat(m.call("CLIENT", "LIST", "TYPE", "replica").asText()).contains("laddr=127.0.0.1:" + masterTls);
            }
        }
    }

    @Test
    void redisReplicaOfACinnabarTlsMaster() throws Exception {
        RealRedis.assumeAvailable();
        try (TlsSupport.Server master = TlsSupport.start("tls-replication", "yes", "enable-debug-command", "yes",
                "repl-diskless-sync-delay", "0");
             RespClient m = new RespClient(master.port())) {
            Random rnd = new Random(41);
            Replicas.randomWrites(m, rnd, 300);
            try (RealRedis replica = RealRedis.start(redisArgs(0, "--tls-replication", "yes",
                    "--enable-debug-command", "yes", "--replicaof", "127.0.0.1", Integer.toString(master.tlsPort())));
                 RespClient r = replica.client()) {
                Replicas.awaitInSync(m, r);
                Replicas.randomWrites(m, rnd, 500);
                Replicas.settle(m, r);
                assertThat(r.call("DEBUG", "DIGEST").asText()).isEqualTo(m.call("DEBUG", "DIGEST").asText());
                assertThat(m.call("CLIENT", "LIST", "TYPE", "replica").asText())
                        .contains("laddr=127.0.0.1:" + master.tlsPort());
            }
        }
    }

    /** redis-server arguments with the test certificates (tlsPort 0: no TLS listener). */
    private static String[] redisArgs(int tlsPort, String... extra) {
        List<String> args = new ArrayList<>();
        List<String> s = TlsSupport.settings(tlsPort);
        for (int i = 0; i + 1 < s.size(); i += 2) {
            args.add("--" + s.get(i));
            args.add(s.get(i + 1));
        }
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }
}
