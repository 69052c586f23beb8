package dev.cinnabar.server.command.zset;

import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.store.Numbers;
import dev.cinnabar.server.store.zset.LexRange;
import dev.cinnabar.server.store.zset.ScoreRange;
import java.nio.charset.StandardCharsets;

/**
 * The parsed arguments of the ZRANGE family: {@code <src> <min> <max> [BYSCORE|BYLEX] [REV]
 * [LIMIT offset count] [WITHSCORES]}. The legacy commands (ZREVRANGE, ZRANGEBYSCORE, ...) fix the
 * type and direction and accept only the options that remain.
 *
 * @param start rank range start (RANK)
 * @param end rank range end, inclusive (RANK)
 * @param limit -1 for no limit
 */
record ZRangeArgs(Type type, boolean reverse, long start, long end, ScoreRange scores, LexRange lex, long offset,
                  long limit, boolean withScores) {
    enum Type { AUTO, RANK, SCORE, LEX }

    /**
     * Parses from argument index src (the source key); replies with the error and returns null when
     * invalid. type AUTO and reverse false let BYSCORE/BYLEX/REV choose (ZRANGE, ZRANGESTORE).
     */
    static ZRangeArgs parse(Client c, int src, Type type, boolean reverse, boolean store) {
        boolean auto = type == Type.AUTO;
        boolean autoDirection = auto;
        boolean withScores = false;
        long offset = 0;
        long limit = -1;
        boolean hasLimit = false;
        int argc = c.argc();
        for (int j = src + 3; j < argc; j++) {
            int left = argc - j - 1;
            String o = new String(c.arg(j), StandardCharsets.ISO_8859_1).toLowerCase();
            if (!store && o.equals("withscores")) {
                withScores = true;
            } else if (o.equals("limit") && left >= 2) {
                Long off = Numbers.parseLong(c.arg(j + 1));
                Long lim = off == null ? null : Numbers.parseLong(c.arg(j + 2));
                if (lim == null) {
                    c.error(Errors.NOT_INTEGER);
                    return null;
                }
                offset = off;
                limit = lim;
                hasLimit = true;
                j += 2;
            } else if (autoDirection && o.equals("rev")) {
                reverse = true;
                autoDirection = false;
            } else if (type == Type.AUTO && o.equals("bylex")) {
                type = Type.LEX;
            } else if (type == Type.AUTO && o.equals("byscore")) {
                type = Type.SCORE;
            } else {
                c.error(Errors.SYNTAX);
                return null;
            }
        }
        if (type == Type.AUTO) {
            type = Type.RANK;
        }
        if (hasLimit && limit != -1 && type == Type.RANK) {
            c.error(Errors.LIMIT_NEEDS_BY);
            return null;
        }
        if (withScores && type == Type.LEX) {
            c.error(Errors.WITHSCORES_BYLEX);
            return null;
        }
        byte[] min = c.arg(src + 1);
        byte[] max = c.arg(src + 2);
        if (reverse && type != Type.RANK) {
            byte[] t = min;
            min = max;
            max = t;
        }
        switch (type) {
            case SCORE: {
                ScoreRange r = ScoreRange.parse(min, max);
                if (r == null) {
                    c.error(Errors.MIN_MAX_NOT_FLOAT);
                    return null;
                }
                return new ZRangeArgs(type, reverse, 0, 0, r, null, offset, limit, withScores);
            }
            case LEX: {
                LexRange r = LexRange.parse(min, max);
                if (r == null) {
                    c.error(Errors.MIN_MAX_NOT_LEX);
                    return null;
                }
                return new ZRangeArgs(type, reverse, 0, 0, null, r, offset, limit, withScores);
            }
            default: {
                Long s = Numbers.parseLong(min);
                Long e = s == null ? null : Numbers.parseLong(max);
                if (e == null) {
                    c.error(Errors.NOT_INTEGER);
                    return null;
                }
                return new ZRangeArgs(type, reverse, s, e, null, null, offset, limit, withScores);
            }
        }
    }
}
