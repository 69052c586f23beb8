package dev.cinnabar.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The replication stream of a real Redis, observed as Redis's own tests do: a raw connection
 * sends SYNC, skips the RDB payload ($len then the bytes, no CRLF after) and then reads the
 * commands the master propagates (arrays of bulk strings; lone newlines are keep-alives).
 * Set repl-ping-replica-period high on the master first, or PINGs join the stream.
 */
public final class ReplicationStream implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;

    private ReplicationStream(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
    }

    /** Attaches to the master at 127.0.0.1:port. */
    public static ReplicationStream attach(int port) {
        try {
            Socket s = new Socket("127.0.0.1", port);
            s.setSoTimeout(5000);
            ReplicationStream r = new ReplicationStream(s);
            OutputStream out = s.getOutputStream();
            out.write("SYNC\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String header;
            do {
                header = r.line().strip();
            } while (header.isEmpty());
            if (header.charAt(0) != '$') {
                throw new IllegalStateException("SYNC answered " + header);
            }
            long n = Long.parseLong(header.substring(1));
            while (n > 0) {
                long skipped = r.in.skip(n);
                if (skipped <= 0) {
                    if (r.in.read() < 0) {
                        throw new IOException("EOF in the RDB payload");
                    }
                    skipped = 1;
                }
                n -= skipped;
            }
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next propagated command. */
    public List<String> next() {
        try {
            String header;
            do {
                header = line();
            } while (header.isEmpty());
            if (header.charAt(0) != '*') {
                throw new IllegalStateException("unexpected on the replication stream: " + header);
            }
            int n = Integer.parseInt(header.substring(1));
            List<String> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String h = line();
                int len = Integer.parseInt(h.substring(1));
                byte[] b = in.readNBytes(len);
                in.readNBytes(2);
                out.add(new String(b, StandardCharsets.ISO_8859_1));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The commands up to (not including) the first equal to marker. */
    public List<List<String>> until(List<String> marker) {
        List<List<String>> out = new ArrayList<>();
        while (true) {
            List<String> c = next();
            if (c.equals(marker)) {
                return out;
            }
            out.add(c);
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        if (c == -1) {
            throw new java.io.EOFException("replication stream closed");
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing
        }
    }
}
