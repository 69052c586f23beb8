package dev.cinnabar.tests.clients;

import dev.cinnabar.testkit.CinnabarExtension;
import dev.cinnabar.testkit.RealRedis;

/**
 * The server a client contract runs against: the embedded Cinnabar server of a test class, or a real
 * Redis 7.0 started on first use (to show a contract's expectations are Redis's behaviour).
 */
interface ServerTarget {
    int port();

    /** Stops a server this target started (the extension stops its own). */
    void close();

    static ServerTarget cinnabar(CinnabarExtension server) {
        return new ServerTarget() {
            @Override
            public int port() {
                return server.port();
            }

            @Override
            public void close() {
            }
        };
    }

    static ServerTarget realRedis() {
        return new ServerTarget() {
            private RealRedis real;

            @Override
            public int port() {
                if (real == null) {
                    real = RealRedis.start();
                }
                return real.port();
            }

            @Override
            public void close() {
                if (real != null) {
                    real.close();
                }
            }
        };
    }
}
