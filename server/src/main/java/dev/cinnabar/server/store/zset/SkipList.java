package dev.cinnabar.server.store.zset;

import dev.cinnabar.server.store.set.BytesTable;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The large sorted-set encoding ("skiplist"): a skiplist ordered by (score, member bytes) with
 * spans on every forward link, so rank lookups and rank ranges are O(log N), plus a hash index
 * member → node for O(1) score lookups. The node is the index's node too (it extends
 * {@link BytesTable.Node}), so a member costs one node object and its level arrays.
 *
 * <p>Level probability 1/4, at most 32 levels, as Redis.
 */
final class SkipList {
    static final int MAX_LEVEL = 32;

    /**
     * A member: its index node, its score and its links. Levels 0 and 1 are fields, higher levels
     * arrays (only a sixteenth of the nodes have them), so a walk at the lower levels, where most of
     * its steps are, reads one object per step instead of the node plus its link arrays, and a
     * one-level node (three quarters of them) is a single 64-byte object.
     */
    static final class Node extends BytesTable.Node {
        double score;
        Node backward;
        Node next0;
        int span0;
        Node next1;
        int span1; // -1 in a one-level node
        final Node[] upper; // levels 2.., null below three levels
        final int[] upperSpan;

        Node(byte[] member, double score, int levels) {
            super(member);
            this.score = score;
            if (levels > 2) {
                upper = new Node[levels - 2];
                upperSpan = new int[levels - 2];
            } else {
                upper = null;
                upperSpan = null;
                span1 = levels == 1 ? -1 : 0;
            }
        }

        int levels() {
            return upper != null ? upper.length + 2 : span1 < 0 ? 1 : 2;
        }

        Node next(int i) {
            return i == 0 ? next0 : i == 1 ? next1 : upper[i - 2];
        }

        void next(int i, Node n) {
            if (i == 0) {
                next0 = n;
            } else if (i == 1) {
                next1 = n;
            } else {
                upper[i - 2] = n;
            }
        }

        int span(int i) {
            return i == 0 ? span0 : i == 1 ? span1 : upperSpan[i - 2];
        }

        void span(int i, int v) {
            if (i == 0) {
                span0 = v;
            } else if (i == 1) {
                span1 = v;
            } else {
                upperSpan[i - 2] = v;
            }
        }
    }

    private final Node header = new Node(new byte[0], 0, MAX_LEVEL);
    // scratch for insert, delete and move (one walk at a time: used under the execution lock)
    private final Node[] update = new Node[MAX_LEVEL];
    private final int[] rank = new int[MAX_LEVEL];
    private Node tail;
    private int level = 1;
    private int length;
    final BytesTable<Node> index = new BytesTable<>();

    int size() {
        return length;
    }

    private static int randomLevel() {
        int l = 1;
        ThreadLocalRandom r = ThreadLocalRandom.current();
        while (l < MAX_LEVEL && (r.nextInt() & 3) == 0) {
            l++;
        }
        return l;
    }

    /** True when node (s1, m1) sorts before (s2, m2). */
    private static boolean before(double s1, byte[] m1, double s2, byte[] m2) {
        return s1 < s2 || (s1 == s2 && Arrays.compareUnsigned(m1, m2) < 0);
    }

    Node find(byte[] member) {
        return index.find(member);
    }

    /** Inserts a member the caller knows is absent. */
    Node insert(byte[] member, double score) {
        Node n = new Node(member, score, randomLevel());
        link(n);
        index.addNew(n);
        return n;
    }

    /**
     * Links a node (not in the list) at its place by (score, member), with the levels its arrays
     * have. The scratch arrays {@link #update} and {@link #rank} are fields, not per-call garbage.
     */
    private void link(Node n) {
        Node[] update = this.update;
        int[] rank = this.rank;
        double score = n.score;
        byte[] member = n.member();
        Node x = header;
        for (int i = level - 1; i >= 0; i--) {
            rank[i] = i == level - 1 ? 0 : rank[i + 1];
            Node y;
            while ((y = x.next(i)) != null && before(y.score, y.member(), score, member)) {
                rank[i] += x.span(i);
                x = y;
            }
            update[i] = x;
        }
        int lvl = n.levels();
        if (lvl > level) {
            for (int i = level; i < lvl; i++) {
                rank[i] = 0;
                update[i] = header;
                header.span(i, length);
            }
            level = lvl;
        }
        for (int i = 0; i < lvl; i++) {
            Node u = update[i];
            n.next(i, u.next(i));
            u.next(i, n);
            n.span(i, u.span(i) - (rank[0] - rank[i]));
            u.span(i, (rank[0] - rank[i]) + 1);
        }
        for (int i = lvl; i < level; i++) {
            update[i].span(i, update[i].span(i) + 1);
        }
        n.backward = update[0] == header ? null : update[0];
        if (n.next0 != null) {
            n.next0.backward = n;
        } else {
            tail = n;
        }
        length++;
        Arrays.fill(update, 0, level, null); // keep no node alive from the scratch array
    }

    /** Removes member; true if it was present. */
    boolean delete(byte[] member) {
        Node n = index.remove(member);
        if (n == null) {
            return false;
        }
        unlink(n);
        return true;
    }

    /** Unlinks a node of the list (it stays in the index), finding its predecessors by a walk. */
    private void unlink(Node n) {
        Node[] update = this.update;
        Node x = header;
        for (int i = level - 1; i >= 0; i--) {
            Node y;
            while ((y = x.next(i)) != null && y != n && before(y.score, y.member(), n.score, n.member())) {
                x = y;
            }
            update[i] = x;
        }
        int levels = level;
        unlink(n, update);
        Arrays.fill(update, 0, levels, null);
    }

    private void unlink(Node x, Node[] update) {
        for (int i = 0; i < level; i++) {
            Node u = update[i];
            if (u.next(i) == x) {
                u.span(i, u.span(i) + x.span(i) - 1);
                u.next(i, x.next(i));
            } else {
                u.span(i, u.span(i) - 1);
            }
        }
        if (x.next0 != null) {
            x.next0.backward = x.backward;
        } else {
            tail = x.backward;
        }
        while (level > 1 && header.next(level - 1) == null) {
            level--;
        }
        length--;
    }

    /**
     * Changes the score of a node of this list. The node stays where it is when the order with its
     * neighbours is unchanged (as Redis's zslUpdateScore); otherwise it is unlinked and linked
     * again at its new place, keeping its levels: the member index is not touched and nothing is
     * allocated.
     */
    void updateScore(Node n, double score) {
        byte[] member = n.member();
        if ((n.backward == null || before(n.backward.score, n.backward.member(), score, member))
                && (n.next0 == null || before(score, member, n.next0.score, n.next0.member()))) {
            n.score = score;
            return;
        }
        unlink(n);
        n.score = score;
        link(n);
    }

    /** 0-based rank of a present member in ascending order. */
    int rank(Node n) {
        int r = 0;
        Node x = header;
        for (int i = level - 1; i >= 0; i--) {
            Node y;
            while ((y = x.next(i)) != null && (y == n || before(y.score, y.member(), n.score, n.member()))) {
                r += x.span(i);
                x = y;
            }
            if (x == n) {
                return r - 1;
            }
        }
        return r - 1;
    }

    /** Number of members whose score is below v (or at most v when orEqual). */
    int countBelow(double v, boolean orEqual) {
        int r = 0;
        Node x = header;
        for (int i = level - 1; i >= 0; i--) {
            Node y;
            while ((y = x.next(i)) != null && (y.score < v || (orEqual && y.score == v))) {
                r += x.span(i);
                x = y;
            }
        }
        return r;
    }

    /** Number of members sorting before v (or at or before v when orEqual), by bytes. */
    int countBelowLex(byte[] v, boolean orEqual) {
        int r = 0;
        Node x = header;
        for (int i = level - 1; i >= 0; i--) {
            Node y;
            while ((y = x.next(i)) != null) {
                int c = Arrays.compareUnsigned(y.member(), v);
                if (c < 0 || (orEqual && c == 0)) {
                    r += x.span(i);
                    x = y;
                } else {
                    break;
                }
            }
        }
        return r;
    }

    /** The node at a 0-based rank (must be in range). */
    Node byRank(int rank) {
        int traversed = 0;
        int target = rank + 1;
        Node x = header;
        for (int i = level - 1; i >= 0; i--) {
            while (x.next(i) != null && traversed + x.span(i) <= target) {
                traversed += x.span(i);
                x = x.next(i);
            }
            if (traversed == target) {
                return x;
            }
        }
        throw new IllegalStateException("rank out of range");
    }

    /** Removes the members at ranks [start, start+count) (in range). */
    void deleteRanks(int start, int count) {
        Node[] update = this.update;
        int levels = level;
        int traversed = 0;
        Node x = header;
        for (int i = level - 1; i >= 0; i--) {
            while (x.next(i) != null && traversed + x.span(i) <= start) {
                traversed += x.span(i);
                x = x.next(i);
            }
            update[i] = x;
        }
        x = x.next0;
        for (int k = 0; k < count && x != null; k++) {
            Node next = x.next0;
            unlink(x, update);
            index.remove(x.member());
            x = next;
        }
        Arrays.fill(update, 0, levels, null);
    }

    Node first() {
        return header.next0;
    }

    Node last() {
        return tail;
    }
}
