package dev.cinnabar.server.command.stream;

import dev.cinnabar.server.protocol.Errors;
import dev.cinnabar.server.session.Client;
import dev.cinnabar.server.session.ClientFlags;
import dev.cinnabar.server.store.Numbers;
import dev.cinnabar.server.store.stream.StreamId;

/**
 * The options XADD and XTRIM share: MAXLEN / MINID with "=" or "~", LIMIT, and for XADD
 * NOMKSTREAM and the entry ID (which ends the options). Parsed as Redis does, so the same
 * argument lists are accepted and the same errors reported in the same order.
 *
 * @param maxLen the MAXLEN (when minId is null and trim is true)
 * @param minId the MINID, or null for MAXLEN
 * @param trim whether a trimming strategy was given
 * @param approx "~" was given (only whole nodes are removed)
 * @param limit most entries a trim may remove (0 = no limit)
 * @param noMkStream XADD's NOMKSTREAM
 * @param id XADD's ID (null for "*"), seqGiven false for "ms-*"
 * @param idIndex argv index of XADD's ID ("*" or explicit)
 */
record TrimArgs(long maxLen, StreamId minId, boolean trim, boolean approx, long limit, boolean noMkStream, StreamId id,
        boolean seqGiven, int idIndex) {

    /** Parses from argv[from]; replies with the error and returns null when invalid. */
    static TrimArgs parse(Client c, int from, boolean xadd) {
        long maxLen = 0;
        StreamId minId = null;
        boolean trim = false;
        boolean approx = false;
        long limit = 0;
        boolean limitGiven = false;
        boolean noMk = false;
        StreamId id = null;
        boolean seqGiven = true;
        int i = from;
        for (; i < c.argc(); i++) {
            int more = c.argc() - 1 - i;
            byte[] a = c.arg(i);
            String opt = new String(a, java.nio.charset.StandardCharsets.ISO_8859_1);
            if (xadd && opt.equals("*")) {
                break;
            } else if ((opt.equalsIgnoreCase("maxlen") || opt.equalsIgnoreCase("minid")) && more > 0) {
                if (trim) {
                    c.error(Errors.STREAM_MAXLEN_AND_MINID);
                    return null;
                }
                approx = false;
                String next = new String(c.arg(i + 1), java.nio.charset.StandardCharsets.ISO_8859_1);
                if (more >= 2 && next.equals("~")) {
                    approx = true;
                    i++;
                } else if (more >= 2 && next.equals("=")) {
                    i++;
                }
                if (opt.equalsIgnoreCase("maxlen")) {
                    Long v = Numbers.parseLong(c.arg(i + 1));
                    if (v == null) {
                        c.error(Errors.NOT_INTEGER);
                        return null;
                    }
                    if (v < 0) {
                        c.error(Errors.STREAM_MAXLEN_NEGATIVE);
                        return null;
                    }
                    maxLen = v;
                } else {
                    minId = StreamCommands.strictId(c, c.arg(i + 1));
                    if (minId == null) {
                        return null;
                    }
                }
                i++;
                trim = true;
            } else if (opt.equalsIgnoreCase("limit") && more > 0) {
                Long v = Numbers.parseLong(c.arg(i + 1));
                if (v == null) {
                    c.error(Errors.NOT_INTEGER);
                    return null;
                }
                if (v < 0) {
                    c.error(Errors.STREAM_LIMIT_NEGATIVE);
                    return null;
                }
                limit = v;
                limitGiven = true;
                i++;
            } else if (xadd && opt.equalsIgnoreCase("nomkstream")) {
                noMk = true;
            } else if (xadd) {
                StreamId.Parsed p = StreamId.parse(a, true, true, 0);
                if (p == null) {
                    c.error(Errors.STREAM_INVALID_ID);
                    return null;
                }
                id = p.id();
                seqGiven = p.seqGiven();
                break;
            } else {
                c.error(Errors.SYNTAX);
                return null;
            }
        }
        if (limit != 0 && !trim) {
            c.error(Errors.STREAM_LIMIT_NO_STRATEGY);
            return null;
        }
        if (!xadd && !trim) {
            c.error(Errors.XTRIM_NO_STRATEGY);
            return null;
        }
        if (ClientFlags.mustObey(c.flags)) {
            // From our master or the AOF: the threshold was rewritten to the exact result ("=" and
            // the count or id reached), so it is applied whole, whatever LIMIT said.
            limit = 0;
        } else if (limitGiven) {
            if (!approx) {
                c.error(Errors.STREAM_LIMIT_NO_APPROX);
                return null;
            }
        } else if (approx) {
            long nodeMax = c.server().config().streamNodeMaxEntries;
            limit = nodeMax * 100;
            if (limit <= 0 || limit > 10000) {
                limit = 10000;
            }
        }
        return new TrimArgs(maxLen, minId, trim, approx, limit, noMk, id, seqGiven, i);
    }
}
