package dev.cinnabar.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal blocking RESP client for tests: sends commands as multibulk (or raw bytes) and decodes
 * replies exactly, RESP2 and RESP3, keeping wire types ({@link Resp}). Not thread-safe.
 */
public final class RespClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RespClient(String host, int port) {
        this(host, port, 10_000);
    }

    public RespClient(String host, int port, int timeoutMillis) {
        try {
            socket = new Socket();
            socket.connect(new InetSocketAddress(host, port), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream(), 65536);
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public RespClient(int port) {
        this("127.0.0.1", port);
    }

    public Resp call(String... args) {
        byte[][] b = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            b[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        return call(b);
    }

    public Resp call(byte[]... args) {
        send(args);
        return read();
    }

    public Resp call(List<String> args) {
        return call(args.toArray(new String[0]));
    }

    public void send(byte[]... args) {
        writeRaw(encode(args));
    }

    public void send(String... args) {
        byte[][] b = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            b[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        send(b);
    }

    public static byte[] encode(byte[]... args) {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        bo.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] a : args) {
            bo.writeBytes(("$" + a.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            bo.writeBytes(a);
            bo.writeBytes(new byte[] {'\r', '\n'});
        }
        return bo.toByteArray();
    }

    public void writeRaw(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void writeRaw(String s) {
        writeRaw(s.getBytes(StandardCharsets.UTF_8));
    }

    public void timeout(int millis) {
        try {
            socket.setSoTimeout(millis);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Bytes that can be read without blocking (buffered here or waiting in the socket). */
    public int available() {
        try {
            return in.available();
        } catch (IOException e) {
            return 0;
        }
    }

    /** Reads one reply. Throws UncheckedIOException on EOF or timeout. */
    public Resp read() {
        try {
            return readReply();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True when the server has closed the connection (reads EOF within the timeout). */
    public boolean isClosedByServer() {
        try {
            return in.read() == -1;
        } catch (IOException e) {
            return e instanceof java.net.SocketException;
        }
    }

    private Resp readReply() throws IOException {
        int t = in.read();
        if (t < 0) {
            throw new java.io.EOFException("connection closed by server");
        }
        String line = readLine();
        switch (t) {
            case '+':
                return new Resp.Simple(line);
            case '-':
                return new Resp.Err(line);
            case ':':
                return new Resp.Int(Long.parseLong(line));
            case '$': {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return new Resp.Null('$');
                }
                byte[] b = in.readNBytes(n);
                in.readNBytes(2);
                return new Resp.Bulk(b);
            }
            case '=': {
                int n = Integer.parseInt(line);
                byte[] b = in.readNBytes(n);
                in.readNBytes(2);
                String s = new String(b, StandardCharsets.UTF_8);
                return new Resp.Verbatim(s.substring(0, 3), s.substring(4));
            }
            case '*':
            case '~':
            case '>':
            case '%': {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return new Resp.Null('*');
                }
                int items = t == '%' ? 2 * n : n;
                List<Resp> l = new ArrayList<>(Math.min(items, 1024));
                for (int i = 0; i < items; i++) {
                    l.add(readReply());
                }
                return new Resp.Agg((char) t, l);
            }
            case '_':
                return new Resp.Null('_');
            case ',':
                return new Resp.Dbl(line);
            case '#':
                return new Resp.Bool(line.equals("t"));
            case '(':
                return new Resp.BigNum(line);
            case '|': {
                // attribute: skip it and return the reply that follows
                int n = Integer.parseInt(line);
                for (int i = 0; i < 2 * n; i++) {
                    readReply();
                }
                return readReply();
            }
            default:
                throw new IOException("unexpected reply type byte '" + (char) t + "' followed by " + line);
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\r') {
                in.read();
                break;
            }
            b.write(c);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
