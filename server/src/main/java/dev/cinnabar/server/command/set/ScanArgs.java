package dev.cinnabar.server.command.set;

import dev.cinnabar.server.session.Client;
import java.util.List;

/**
 * ZSCAN's former view of {@link dev.cinnabar.server.command.ScanArgs}, kept only until
 * ZSetCommands uses that one directly; everything here forwards to it.
 *
 * @deprecated use {@link dev.cinnabar.server.command.ScanArgs}
 */
@Deprecated
public record ScanArgs(long count, byte[] pattern) {
    public static boolean parseCursor(byte[] b, long[] out) {
        return dev.cinnabar.server.command.ScanArgs.parseCursor(b, out);
    }

    public static ScanArgs parse(Client c, int from) {
        var a = dev.cinnabar.server.command.ScanArgs.parse(c, from, false);
        return a == null ? null : new ScanArgs(a.count(), a.pattern());
    }

    public static void replyEmpty(Client c) {
        dev.cinnabar.server.command.ScanArgs.replyEmpty(c);
    }

    public void reply(Client c, long next, List<byte[]> elements, int stride) {
        new dev.cinnabar.server.command.ScanArgs(count, pattern, null).reply(c, next, elements, stride, null);
    }
}
