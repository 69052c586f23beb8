#!/usr/bin/env python3
"""used_memory against the live heap, per type (issue 13, item 1).

For each shape below: FLUSHALL, two full collections (MEMORY PURGE), read used_memory and the heap
in use (INFO allocator_allocated); load the keys with a pipeline; collect again and read again.
Prints, per shape, the growth of used_memory and of the live heap per key and their ratio
(estimate / live: 1.00 is exact, below 1 the accounting under-counts).

Usage: tools/mem-accuracy.py [--port P] [--scale S] [--only NAME,...]
  Without --port it starts bin/cinnabar-server on port 32950 with a 3 GB heap and stops it after.
  --port 6379 against real Redis reports used_memory against itself (live = used_memory).
"""
import argparse
import os
import socket
import subprocess
import sys
import time


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.f = self.s.makefile("rb")

    @staticmethod
    def enc(args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            if not isinstance(a, bytes):
                a = str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def read(self):
        line = self.f.readline()
        t, rest = line[:1], line[1:-2]
        if t in (b"+", b":"):
            return rest
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.f.read(n + 2)
            return data[:-2]
        if t == b"*":
            return [self.read() for _ in range(int(rest))]
        raise RuntimeError("bad reply %r" % line)

    def call(self, *args):
        self.s.sendall(self.enc(args))
        return self.read()

    def pipeline(self, commands, batch=2000):
        buf = []
        for cmd in commands:
            buf.append(self.enc(cmd))
            if len(buf) == batch:
                self.s.sendall(b"".join(buf))
                for _ in range(len(buf)):
                    self.read()
                buf = []
        if buf:
            self.s.sendall(b"".join(buf))
            for _ in range(len(buf)):
                self.read()


def info(c):
    out = {}
    for line in c.call("INFO", "memory").decode().split("\r\n"):
        if ":" in line:
            k, v = line.split(":", 1)
            out[k] = v
    return out


def measure(c, redis):
    if not redis:
        for _ in range(2):
            c.call("MEMORY", "PURGE")
            time.sleep(0.2)
    i = info(c)
    used = int(i["used_memory"])
    live = used if redis else int(i["allocator_allocated"])
    return used, live


def shapes(scale):
    n = lambda base: max(1, int(base * scale))

    def strings_short(k):
        return (["SET", "key:%08d" % i, "val:%08d" % i] for i in range(k))

    def strings_int(k):
        return (["SET", "int:%08d" % i, str(1000000 + i)] for i in range(k))

    def strings_100(k):
        return (["SET", "s100:%08d" % i, "x" * 100] for i in range(k))

    def hash_small(k):  # listpack: 10 fields
        return (["HSET", "h:%07d" % i] + sum((["f%d" % f, "v:%06d" % i] for f in range(10)), []) for i in range(k))

    def hash_big(k):  # hashtable: 1000 fields per key
        for i in range(k):
            for b in range(0, 1000, 100):
                yield ["HSET", "H:%05d" % i] + sum((["field:%04d" % f, "value:%06d" % f] for f in range(b, b + 100)), [])

    def set_int(k):  # intset: 10 members
        return (["SADD", "si:%07d" % i] + [str(m) for m in range(10)] for i in range(k))

    def set_big(k):  # hashtable: 1000 string members per key
        for i in range(k):
            for b in range(0, 1000, 100):
                yield ["SADD", "S:%05d" % i] + ["member:%06d" % m for m in range(b, b + 100)]

    def zset_small(k):  # listpack: 10 members
        return (["ZADD", "z:%07d" % i] + sum(([str(m), "m:%d" % m] for m in range(10)), []) for i in range(k))

    def zset_big(k):  # skiplist: 1000 members per key
        for i in range(k):
            for b in range(0, 1000, 100):
                yield ["ZADD", "Z:%05d" % i] + sum(([str(m), "member:%06d" % m] for m in range(b, b + 100)), [])

    def list_(k):  # one quicklist per 1000 elements
        for i in range(k):
            for b in range(0, 1000, 100):
                yield ["RPUSH", "L:%05d" % i] + ["element:%06d" % e for e in range(b, b + 100)]

    def stream(k):  # 100 entries of 2 fields per key
        for i in range(k):
            for e in range(100):
                yield ["XADD", "X:%05d" % i, "*", "name", "n:%d" % e, "value", str(e)]

    return [
        ("strings (short)", n(500000), strings_short),
        ("strings (integer)", n(500000), strings_int),
        ("strings (100 B)", n(300000), strings_100),
        ("hash small (listpack, 10 fields)", n(100000), hash_small),
        ("hash big (hashtable, 1000 fields)", n(300), hash_big),
        ("set small (intset, 10)", n(100000), set_int),
        ("set big (hashtable, 1000)", n(300), set_big),
        ("zset small (listpack, 10)", n(100000), zset_small),
        ("zset big (skiplist, 1000)", n(300), zset_big),
        ("list (quicklist, 1000)", n(300), list_),
        ("stream (100 entries)", n(3000), stream),
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--only", default="")
    ap.add_argument("--redis", action="store_true", help="the server is real Redis (no live-heap reading)")
    a = ap.parse_args()
    proc = None
    port = a.port
    if port is None:
        port = 32950
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env = dict(os.environ, CINNABAR_HEAP=os.environ.get("CINNABAR_HEAP", "3g"))
        proc = subprocess.Popen([os.path.join(root, "bin/cinnabar-server"), "--port", str(port), "--save", "",
                                 "--appendonly", "no", "--dir", "/tmp"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(600):
            try:
                Conn(port).call("PING")
                break
            except OSError:
                time.sleep(0.1)
    try:
        c = Conn(port)
        only = [s for s in a.only.split(",") if s]
        print("%-36s %9s %14s %14s %7s" % ("shape", "keys", "used B/key", "live B/key", "ratio"))
        for name, k, gen in shapes(a.scale):
            if only and not any(o in name for o in only):
                continue
            c.call("FLUSHALL")
            u0, l0 = measure(c, a.redis)
            c.pipeline(gen(k))
            u1, l1 = measure(c, a.redis)
            du, dl = (u1 - u0) / k, (l1 - l0) / k
            print("%-36s %9d %14.1f %14.1f %7.2f" % (name, k, du, dl, du / dl if dl else 0), flush=True)
        c.call("FLUSHALL")
    finally:
        if proc:
            try:
                Conn(port).call("SHUTDOWN", "NOSAVE")
            except (OSError, RuntimeError):
                pass
            proc.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
