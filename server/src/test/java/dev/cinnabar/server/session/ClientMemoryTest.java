package dev.cinnabar.server.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cinnabar.server.ServerContext;
import dev.cinnabar.server.config.ServerConfig;
import dev.cinnabar.server.store.ManualClock;
import org.junit.jupiter.api.Test;

/**
 * Client memory accounting and client eviction without a network: Redis's bucket bounds, the
 * limit (bytes, percent of maxmemory, 128 KiB floor), biggest clients first, only as many as
 * needed, NO-EVICT and replicas spared.
 */
class ClientMemoryTest {
    private final ServerContext ctx = dev.cinnabar.server.CinnabarServer.context(new ServerConfig(), new ManualClock(1_000_000));
    private final ClientMemory mem = ctx.clients().memory();
    private long nextId = 1;

    @Test
    void bucketsArePowersOfTwoFrom32KiBTo8GiB() {
        assertThat(ClientMemory.bucket(0)).isZero();
        assertThat(ClientMemory.bucket(32767)).isZero();
        assertThat(ClientMemory.bucket(32768)).isEqualTo(1);
        assertThat(ClientMemory.bucket(65535)).isEqualTo(1);
        assertThat(ClientMemory.bucket(65536)).isEqualTo(2);
        assertThat(ClientMemory.bucket(1L << 40)).isEqualTo(18);
    }

    @Test
    void limitIsBytesOrPercentOfMaxmemoryWithAFloor() {
        ServerConfig c = ctx.config();
        assertThat(mem.limit()).isZero();
        c.maxmemoryClients = 1;
        assertThat(mem.limit()).isEqualTo(128 * 1024);
        c.maxmemoryClients = 3_000_000;
        assertThat(mem.limit()).isEqualTo(3_000_000);
        c.maxmemoryClients = -7; // "7%"
        assertThat(mem.limit()).as("a percentage of no maxmemory is no limit").isZero();
        c.maxmemory = 6L << 20;
        assertThat(mem.limit()).isEqualTo(6L * 1024 * 1024 * 7 / 100);
    }

    /** A client whose memory is BASE plus n bytes of queued MULTI arguments. */
    private Client client(long queued) {
        Client c = new RecordingConnection(ctx, nextId++, 2, " ").client;
        c.queuedCommands = 1;
        c.queuedBytes = queued;
        mem.update(c);
        return c;
    }

    @Test
    void biggestGoFirstAndOnlyAsManyAsNeeded() {
        Client small = client(40_000);
        Client mid = client(300_000);
        Client big1 = client(1_500_000);
        Client big2 = client(1_600_000);
        Client spared = client(5_000_000);
        spared.flags |= ClientFlags.NO_EVICT;
        mem.update(spared);
        long total = mem.normalClients();
        assertThat(total).isEqualTo(40_000 + 300_000 + 1_500_000 + 1_600_000 + 5_000_000 + 5 * (ClientMemory.BASE + 32));
        ctx.config().maxmemoryClients = total - 1_000_000;
        mem.evict(null);
        // spared is the biggest but NO-EVICT; big1 and big2 share the next bucket: its first goes, enough
        assertThat(closed(big1)).isTrue();
        assertThat(closed(big2) || closed(mid) || closed(small) || closed(spared)).isFalse();
        assertThat(mem.evictedClients()).isEqualTo(1);
        ctx.config().maxmemoryClients = 5_500_000;
        mem.evict(null);
        assertThat(closed(big2)).isTrue();
        assertThat(closed(mid) || closed(small) || closed(spared)).isFalse();
        assertThat(mem.normalClients()).isLessThan(5_500_000);
        assertThat(mem.evictedClients()).isEqualTo(2);
    }

    @Test
    void replicasAreCountedApartAndNeverEvicted() {
        Client r = client(1_000_000);
        r.flags |= ClientFlags.REPLICA;
        mem.update(r);
        assertThat(mem.replicaClients()).isEqualTo(1_000_000 + ClientMemory.BASE + 32);
        assertThat(mem.normalClients()).isZero();
        ctx.config().maxmemoryClients = 1;
        assertThat(mem.evict(null)).isFalse();
        assertThat(closed(r)).isFalse();
    }

    private static boolean closed(Client c) {
        return (c.flags & ClientFlags.CLOSE_ASAP) != 0;
    }
}
