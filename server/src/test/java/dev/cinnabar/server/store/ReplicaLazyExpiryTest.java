package dev.cinnabar.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Lazy expiry by role, on a bare keyspace: Redis 7.0's lookupKey deletes a logically expired key
 * on a master for any look-up, on a writable replica only for a write's look-up, and on a
 * read-only replica never (the master's DEL removes it); a command from the master sees the key.
 */
class ReplicaLazyExpiryTest {
    private long now = 1_000_000;
    private boolean replica;
    private boolean readOnly;
    private boolean fromMaster;
    private final List<String> expired = new ArrayList<>();
    private final Keyspace ks = new Keyspace(16, new KeyspaceHooks() {
        @Override
        public long now() {
            return now;
        }

        @Override
        public boolean isReplica() {
            return replica;
        }

        @Override
        public boolean readOnlyReplica() {
            return replica && readOnly;
        }

        @Override
        public boolean servingMaster() {
            return fromMaster;
        }

        @Override
        public void keyExpired(Db db, byte[] key) {
            expired.add(new String(key, StandardCharsets.UTF_8));
        }
    });

    private static byte[] k(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** One expired key looked up for reading then for writing: what each look-up returned, what is left. */
    private String run(boolean asReplica, boolean ro, boolean master) {
        replica = asReplica;
        readOnly = ro;
        fromMaster = master;
        Db db = ks.db(0);
        db.add(k("key"), "v");
        db.setExpire(k("key"), now + 10);
        now += 20;
        String read = String.valueOf(db.lookupRead(k("key")));
        String write = String.valueOf(db.lookupWrite(k("key")));
        String out = "read=" + read + " write=" + write + " size=" + db.size() + " expired=" + expired;
        db.flush();
        expired.clear();
        return out;
    }

    @Test
    void aReadOnlyReplicaKeepsAnExpiredKeyEvenForAWriteLookUp() {
        assertThat(run(true, true, false)).isEqualTo("read=null write=null size=1 expired=[]");
    }

    @Test
    void aWritableReplicaDeletesItForAWriteLookUpOnly() {
        assertThat(run(true, false, false)).isEqualTo("read=null write=null size=0 expired=[key]");
    }

    @Test
    void theMastersCommandsStillSeeTheKeyOnAReplica() {
        assertThat(run(true, true, true)).isEqualTo("read=v write=v size=1 expired=[]");
        assertThat(run(true, false, true)).isEqualTo("read=v write=v size=1 expired=[]");
    }

    @Test
    void aMasterDeletesItAtTheFirstLookUp() {
        assertThat(run(false, false, false)).isEqualTo("read=null write=null size=0 expired=[key]");
    }
}
