package dev.cinnabar.ops;

import picocli.CommandLine;
import redis.clients.jedis.Jedis;

/** A server's address as an operator writes it: {@code host:port} ({@code [v6]:port} too). */
record HostPort(String host, int port) {
    static HostPort parse(String s) {
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("'" + s + "' is not host:port");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + s + "' is not host:port (bad port)");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("'" + s + "': the port must be between 1 and 65535");
        }
        return new HostPort(host, port);
    }

    /** A connection (AUTH when a password is given); 2 s timeouts. */
    Jedis connect(String password) {
        return Instance.connect(host, port, password);
    }

    /** A connection that answered PING, or a {@link Replication.CheckError} saying why there is none. */
    Jedis open(String password, String what) {
        try {
            Jedis j = connect(password);
            try {
                j.ping();
                return j;
            } catch (RuntimeException e) {
                j.close();
                throw e;
            }
        } catch (RuntimeException e) {
            throw new Replication.CheckError("cannot reach " + what + this + ": " + Cli.reason(e));
        }
    }

    /** True when this address and {@code host:port} name the same server (names resolved). */
    boolean sameAs(String otherHost, int otherPort) {
        if (otherPort != port) {
            return false;
        }
        if (otherHost.equalsIgnoreCase(host)) {
            return true;
        }
        try {
            java.net.InetAddress a = java.net.InetAddress.getByName(host);
            java.net.InetAddress b = java.net.InetAddress.getByName(otherHost);
            return a.equals(b) || (a.isLoopbackAddress() && b.isLoopbackAddress());
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }

    /** picocli's converter, so a bad address is a usage error with the reason. */
    static final class Converter implements CommandLine.ITypeConverter<HostPort> {
        @Override
        public HostPort convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
