package dev.cinnabar.tests.sentinel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP forwarder on a loopback port in front of a server, that can cut the network between the
 * server and whoever reaches it through the forwarder, as a partition does: while
 * {@link #partition partitioned} no byte crosses in either direction and no connection is closed
 * (the peers see silence, not a reset); new connections are accepted and held silent. {@link #heal}
 * closes every connection made before it (TCP gave up during the partition) and forwards again.
 * Clients that connect to the server's own port are not affected: the server stays reachable
 * from its side of the partition.
 */
final class PartitionProxy implements AutoCloseable {
    private final int target;
    private final ServerSocket listener;
    private final List<Socket> sockets = new ArrayList<>();
    private boolean partitioned;

    PartitionProxy(int target) {
        this.target = target;
        try {
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread t = new Thread(this::accept, "partition-proxy-" + target);
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    private void accept() {
        while (true) {
            Socket in;
            try {
                in = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            synchronized (this) {
                sockets.add(in);
                if (partitioned) {
                    continue; // held silent until heal closes it
                }
            }
            try {
                Socket out = new Socket(InetAddress.getLoopbackAddress(), target);
                synchronized (this) {
                    sockets.add(out);
                }
                pipe(in, out);
                pipe(out, in);
            } catch (IOException e) {
                close(in); // the server is down: so is the forwarded connection
            }
        }
    }

    private void pipe(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    synchronized (this) {
                        while (partitioned && !from.isClosed()) {
                            wait(); // the bytes read are dropped if heal closes this connection
                        }
                    }
                    out.write(buf, 0, n);
                }
            } catch (IOException | InterruptedException e) {
                // closed by the other side, by heal or by close
            }
            close(from);
            close(to);
        }, "partition-proxy-pipe");
        t.setDaemon(true);
        t.start();
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    /** Cuts the network: nothing crosses until {@link #heal}. */
    synchronized void partition() {
        partitioned = true;
    }

    /** Ends the partition: connections from before it are closed, new ones are forwarded. */
    synchronized void heal() {
        partitioned = false;
        sockets.forEach(PartitionProxy::close);
        sockets.clear();
        notifyAll();
    }

    @Override
    public synchronized void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        heal();
    }
}
