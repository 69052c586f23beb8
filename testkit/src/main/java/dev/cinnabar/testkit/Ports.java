package dev.cinnabar.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free loopback ports for test servers. */
public final class Ports {
    private Ports() {
    }

    public static int free() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first of n consecutive free loopback ports (for tools that number instances from a base port). */
    public static int freeRun(int n) {
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = free();
            boolean ok = base + n - 1 <= 65535;
            for (int i = 1; ok && i < n; i++) {
                ok = isFree(base + i);
            }
            if (ok) {
                return base;
            }
        }
        throw new IllegalStateException("no " + n + " consecutive free ports found");
    }

    /** True when the loopback port can be bound now. */
    public static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
