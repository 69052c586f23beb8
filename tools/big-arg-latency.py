#!/usr/bin/env python3
"""Times one SET of a large value and another client's PING latency meanwhile.

Usage: tools/big-arg-latency.py --port N --mib 64 [--chunk-mib 1 --interval-ms 10] [--pid PID]

One connection sends SET bigarg <mib MiB> (all at once, or --chunk-mib every --interval-ms) and
waits for +OK; a second connection sends PING in a loop (one at a time, 1 ms apart) from just
before the SET starts until it ends, and reports its latencies. With --pid, the server's peak
resident set (VmHWM) is printed too. Plain sockets only, so it runs against any RESP server.
"""
import argparse
import socket
import threading
import time


def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_line(s, buf):
    while b"\r\n" not in buf[0]:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        buf[0] += chunk
    line, rest = buf[0].split(b"\r\n", 1)
    buf[0] = rest
    return line


def call(s, *args):
    s.sendall(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
    return read_line(s, [b""])


def pinger(port, stop, lat):
    s = connect(port)
    s.settimeout(60)
    buf = [b""]
    while not stop.is_set():
        t = time.perf_counter()
        s.sendall(b"PING\r\n")
        if read_line(s, buf) != b"+PONG":
            raise RuntimeError("unexpected PING reply")
        lat.append((time.perf_counter() - t, t))
        time.sleep(0.001)
    s.close()


def vmhwm(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return -1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--mib", type=int, required=True)
    ap.add_argument("--chunk-mib", type=float, default=0)
    ap.add_argument("--interval-ms", type=float, default=10)
    ap.add_argument("--pid", type=int)
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    size = a.mib * 1024 * 1024
    value = b"x" * size
    head = b"*3\r\n$3\r\nSET\r\n$6\r\nbigarg\r\n$%d\r\n" % size
    setter = connect(a.port)
    setter.settimeout(600)
    stop = threading.Event()
    lat = []
    t = threading.Thread(target=pinger, args=(a.port, stop, lat))
    t.start()
    time.sleep(0.2)
    start = time.perf_counter()
    setter.sendall(head)
    view = memoryview(value)
    if a.chunk_mib > 0:
        step = int(a.chunk_mib * 1024 * 1024)
        next_at = start
        for off in range(0, size, step):
            setter.sendall(view[off:off + step])
            next_at += a.interval_ms / 1000
            time.sleep(max(0, next_at - time.perf_counter()))
    else:
        setter.sendall(view)
    setter.sendall(b"\r\n")
    reply = read_line(setter, [b""])
    elapsed = time.perf_counter() - start
    stop.set()
    t.join()
    strlen = call(setter, b"STRLEN", b"bigarg")
    call(setter, b"DEL", b"bigarg")
    setter.close()
    worst = sorted(lat, reverse=True)[:3]
    ms = sorted(x[0] * 1000 for x in lat)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))] if ms else float("nan")
    mode = "at once" if a.chunk_mib <= 0 else "%g MiB / %g ms" % (a.chunk_mib, a.interval_ms)
    print("SET %d MiB (%s): %s in %.2f s, STRLEN %s; PING n=%d p50=%.2f ms p99=%.2f ms max=%.2f ms%s" % (
        a.mib, mode, reply.decode(), elapsed, strlen.decode(), len(ms),
        ms[len(ms) // 2] if ms else float("nan"), p99, ms[-1] if ms else float("nan"),
        "; server VmHWM %d MiB" % vmhwm(a.pid) if a.pid else ""))
    if a.verbose:
        print("slowest PINGs (ms, sent at s after the SET started):",
              ", ".join("%.1f at %.2f" % (d * 1000, t - start) for d, t in worst))


if __name__ == "__main__":
    main()
