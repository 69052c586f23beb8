#!/usr/bin/env python3
"""Eviction quality: a Zipf read-through cache workload against Cinnabar and Redis (issue 13).

Each operation reads a key drawn from a Zipf distribution over --keys keys (GET); on a miss it
writes the key (SET, a --value-size value; with EX for the volatile policies, a TTL drawn uniformly
from 1 to 24 hours so that volatile-ttl has something to rank). Requests go in pipelined batches of
--batch GETs followed by the batch's SETs. Both servers see the same key sequence (seeded). The
hit ratio is counted after a warm-up of --warmup operations; used_memory is sampled after every
batch (peak and peak / maxmemory reported); then redis-benchmark measures SET throughput while
evicting (-d value size, random keys over ten times what fits, -P 16, 50 clients).

Usage: tools/hit-ratio.py [--maxmemory 64mb] [--keys 500000] [--ops 600000] [--policies LIST]
Starts bin/cinnabar-server and redis-server itself on ports 32960/32961 (one server per policy run).
"""
import argparse
import os
import re
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import importlib.util  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    "mem_accuracy", os.path.join(os.path.dirname(os.path.abspath(__file__)), "mem-accuracy.py"))
_ma = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ma)
Conn = _ma.Conn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def zipf_keys(n_keys, n_ops, s, seed):
    """n_ops key indexes in [0, n_keys), rank r drawn with probability proportional to 1/r^s,
    ranks shuffled over the keys (so hot keys are not the lowest-numbered)."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, n_keys + 1) ** s
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    ranks = np.searchsorted(cdf, rng.random(n_ops))
    perm = rng.permutation(n_keys)
    return perm[ranks], rng.integers(3600, 86400, size=n_ops)


def start(kind, port, maxmemory, policy):
    args = ["--port", str(port), "--save", "", "--appendonly", "no", "--dir", "/tmp",
            "--maxmemory", maxmemory, "--maxmemory-policy", policy]
    if kind == "cinnabar":
        cmd = [os.path.join(ROOT, "bin/cinnabar-server")] + args
    else:
        cmd = ["redis-server", "--bind", "127.0.0.1", "--daemonize", "no"] + args
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(1200):
        try:
            Conn(port).call("PING")
            return p
        except OSError:
            time.sleep(0.1)
    p.kill()
    raise RuntimeError(kind + " did not start")


def info(c, section="all"):
    out = {}
    for line in c.call("INFO", section).decode().split("\r\n"):
        if ":" in line:
            k, v = line.split(":", 1)
            out[k] = v
    return out


def run(kind, port, a, policy, keys, ttls):
    p = start(kind, port, a.maxmemory, policy)
    try:
        c = Conn(port)
        maxmem = int(info(c)["maxmemory"])
        value = b"v" * a.value_size
        volatile = policy.startswith("volatile")
        hits = misses = 0
        peak = 0
        t0 = time.perf_counter()
        for b in range(0, len(keys), a.batch):
            chunk = keys[b:b + a.batch]
            names = [b"key:%d" % k for k in chunk]
            c.s.sendall(b"".join(Conn.enc([b"GET", n]) for n in names))
            replies = [c.read() for _ in names]
            sets = []
            for i, (n, r) in enumerate(zip(names, replies)):
                counted = b + i >= a.warmup
                if r is None:
                    misses += counted
                    sets.append([b"SET", n, value] + ([b"EX", str(int(ttls[b + i])).encode()] if volatile else []))
                else:
                    hits += counted
            if sets:
                c.pipeline(sets)
            if (b // a.batch) % 10 == 0:
                peak = max(peak, int(info(c, "memory")["used_memory"]))
        elapsed = time.perf_counter() - t0
        i = info(c)
        peak = max(peak, int(i["used_memory"]))
        result = {
            "hit": hits / max(1, hits + misses),
            "peak": peak,
            "peak_ratio": peak / maxmem,
            "evicted": int(i["evicted_keys"]),
            "dbsize": int(c.call("DBSIZE")),
            "ops_s": len(keys) / elapsed,
        }
        # SET throughput while evicting
        out = subprocess.run(["redis-benchmark", "-p", str(port), "-t", "set", "-d", str(a.value_size),
                              "-r", str(a.keys * 2), "-n", str(a.bench_n), "-P", "16", "-c", "50", "-q"],
                             capture_output=True, text=True, timeout=600).stdout
        m = re.findall(r"([0-9.]+) requests per second", out)
        result["set_rps"] = float(m[-1]) if m else 0.0
        result["peak_after_bench"] = max(peak, int(info(c)["used_memory_peak"]))
        return result
    finally:
        try:
            Conn(port).call("SHUTDOWN", "NOSAVE")
        except (OSError, RuntimeError):
            pass
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--maxmemory", default="64mb")
    ap.add_argument("--keys", type=int, default=500000)
    ap.add_argument("--ops", type=int, default=600000)
    ap.add_argument("--warmup", type=int, default=200000)
    ap.add_argument("--zipf", type=float, default=0.99)
    ap.add_argument("--value-size", type=int, default=1024)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--bench-n", type=int, default=200000)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--policies", default="allkeys-lru,allkeys-lfu,volatile-lru,volatile-ttl")
    a = ap.parse_args()
    keys, ttls = zipf_keys(a.keys, a.ops, a.zipf, a.seed)
    print("maxmemory %s, %d keys, %d operations (first %d not counted), zipf s=%.2f, %d B values"
          % (a.maxmemory, a.keys, a.ops, a.warmup, a.zipf, a.value_size))
    print("| policy | server | hit ratio | used_memory peak / maxmemory | peak incl. SET benchmark | evicted | "
          "read-through ops/s | SET rps while evicting (-P 16) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for policy in a.policies.split(","):
        for kind, port in (("cinnabar", 32960), ("redis", 32961)):
            r = run(kind, port, a, policy, keys, ttls)
            print("| %s | %s | %.2f%% | %.3f | %.3f | %d | %.0f | %.0f |" % (
                policy, kind, 100 * r["hit"], r["peak_ratio"], r["peak_after_bench"] / (r["peak"] / r["peak_ratio"]),
                r["evicted"], r["ops_s"], r["set_rps"]), flush=True)


if __name__ == "__main__":
    sys.exit(main())
