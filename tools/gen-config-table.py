#!/usr/bin/env python3
"""Generates server/src/main/resources/dev/cinnabar/server/config/configs.json from a running
Redis 7.0: every directive CONFIG GET knows (plus the hidden ones), with its type, bounds, enum
values, default and whether CONFIG SET may change it. Facts are read by probing the server
(CONFIG SET with bad values, start-up with bad values, DEBUG CONFIG-REWRITE-FORCE-ALL, CONFIG SET during
a load), never copied
from Redis's sources.

Usage: tools/gen-config-table.py [/usr/bin/redis-server]
"""
import json, os, re, socket, subprocess, sys, tempfile, time

BIN = sys.argv[1] if len(sys.argv) > 1 else "/usr/bin/redis-server"
CLI = os.path.join(os.path.dirname(BIN), "redis-cli")
HIDDEN = ["key-load-delay", "loading-process-events-interval-bytes", "lua-enable-deprecated-api",
          "rdb-key-save-delay", "use-exit-on-panic", "watchdog-period"]
# new name -> old name (CONFIG GET reports both; the old one is an alias)
ALIASES = {
    "replicaof": "slaveof", "replica-serve-stale-data": "slave-serve-stale-data",
    "replica-read-only": "slave-read-only", "replica-ignore-maxmemory": "slave-ignore-maxmemory",
    "replica-lazy-flush": "slave-lazy-flush", "replica-priority": "slave-priority",
    "replica-announce-ip": "slave-announce-ip", "replica-announce-port": "slave-announce-port",
    "repl-ping-replica-period": "repl-ping-slave-period", "min-replicas-to-write": "min-slaves-to-write",
    "min-replicas-max-lag": "min-slaves-max-lag", "cluster-replica-validity-factor": "cluster-slave-validity-factor",
    "cluster-replica-no-failover": "cluster-slave-no-failover", "hash-max-listpack-entries": "hash-max-ziplist-entries",
    "hash-max-listpack-value": "hash-max-ziplist-value", "zset-max-listpack-entries": "zset-max-ziplist-entries",
    "zset-max-listpack-value": "zset-max-ziplist-value", "list-max-listpack-size": "list-max-ziplist-size",
    "busy-reply-threshold": "lua-time-limit",
}
# Directives with their own syntax: parsed by hand-written code (ServerConfig), not by type.
SPECIAL = {"save", "bind", "client-output-buffer-limit", "oom-score-adj-values", "notify-keyspace-events",
           "replicaof", "unixsocketperm", "latency-tracking-info-percentiles", "dir"}
BAD = "!bad!"
LO, HI = "-9223372036854775807", "9223372036854775807"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def cli(port, *args):
    r = subprocess.run([CLI, "-p", str(port), *args], capture_output=True, text=True)
    # only the last line's newline: an empty value at the end is still a line
    return r.stdout[:-1] if r.stdout.endswith("\n") else r.stdout


def config_set(port, name, value):
    out = cli(port, "config", "set", name, value)
    if out == "OK":
        return None
    m = re.search(r"- (.*)$", out)
    return m.group(1) if m else out


def startup_error(workdir, name, value):
    """Starts redis-server with '--name value' (no listener) and returns the fatal reason, or None."""
    r = subprocess.run(["timeout", "2", BIN, "--port", "0", "--save", "", "--" + name, value],
                       capture_output=True, text=True, cwd=workdir)
    lines = [l for l in (r.stdout + r.stderr).splitlines() if l.strip()]
    if r.returncode != 124 and lines and "FATAL CONFIG FILE ERROR" in r.stdout + r.stderr:
        return lines[-1]
    return None


def classify(err):
    if err is None:
        return "string"
    if err == "argument must be 'yes' or 'no'":
        return "bool"
    if err == "argument couldn't be parsed into an integer":
        return "int"
    if err.startswith("argument must be a memory"):
        return "memory-percent" if "percent" in err else "memory"
    if err.startswith("argument(s) must be one of the following: "):
        return "enum"
    return None


def unset_strings(port, work):
    """The directives DEBUG CONFIG-REWRITE-FORCE-ALL writes at their defaults: the others have no
    value by default (NULL in Redis, not an empty string)."""
    conf = os.path.join(work, "force-all.conf")
    with open(conf, "w") as f:
        f.write("")
    cli(port, "config", "set", "enable-debug-command", "yes")
    sub = free_port()
    p = subprocess.Popen([BIN, conf, "--port", str(sub), "--bind", "127.0.0.1", "--dir", work,
                          "--enable-debug-command", "yes"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work)
    try:
        for _ in range(100):
            if cli(sub, "ping") == "PONG":
                break
            time.sleep(0.05)
        if cli(sub, "debug", "config-rewrite-force-all") != "OK":
            raise SystemExit("DEBUG CONFIG-REWRITE-FORCE-ALL failed")
        with open(conf) as f:
            return {l.split()[0] for l in f if l.strip() and not l.startswith("#")}
    finally:
        p.terminate()
        p.wait()


def denied_while_loading(work):
    """The directives CONFIG SET refuses with LOADING while a (slow) RDB load is running."""
    port = free_port()
    args = [BIN, "--port", str(port), "--bind", "127.0.0.1", "--dir", work, "--save", "",
            "--enable-protected-configs", "yes", "--enable-debug-command", "yes"]
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work)
    try:
        for _ in range(100):
            if cli(port, "ping") == "PONG":
                break
            time.sleep(0.05)
        cli(port, "debug", "populate", "20000")
        cli(port, "save")
    finally:
        p.terminate()
        p.wait()
    # 20000 keys at 1 ms each: 20 s of loading, events served every 1 KB
    p = subprocess.Popen(args + ["--key-load-delay", "1000", "--loading-process-events-interval-bytes", "1024"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work)
    try:
        for _ in range(100):
            if cli(port, "ping").startswith("LOADING"):
                break
            time.sleep(0.05)
        lines = cli(port, "config", "get", "*").split("\n")
        denied = set()
        for name, value in zip(lines[0::2], lines[1::2]):
            if cli(port, "config", "set", name, value).startswith("LOADING"):
                denied.add(name)
        if not cli(port, "info", "persistence").count("loading:1"):
            raise SystemExit("the load ended before the probe did")
        return denied
    finally:
        p.terminate()
        p.wait()
        os.remove(os.path.join(work, "dump.rdb"))


def main():
    work = tempfile.mkdtemp(prefix="cfg-probe")
    port = free_port()
    proc = subprocess.Popen([BIN, "--port", str(port), "--bind", "127.0.0.1", "--dir", work],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work)
    try:
        for _ in range(100):
            if cli(port, "ping") == "PONG":
                break
            time.sleep(0.05)
        lines = cli(port, "config", "get", "*").split("\n")
        values = dict(zip(lines[0::2], lines[1::2]))
        for h in HIDDEN:
            values[h] = cli(port, "config", "get", h).split("\n")[1]
        values["port"], values["bind"], values["dir"] = "6379", "* -::*", ""
        aliases = set(ALIASES.values())
        written = unset_strings(port, work)
        deny_loading = denied_while_loading(work)
        out = []
        for name in sorted(values):
            if name in aliases:
                continue
            e = {"name": name, "alias": ALIASES.get(name), "default": values[name], "mutable": True,
                 "protected": False, "hidden": name in HIDDEN}
            # requirepass would lock the probe out of its own server; it is a plain string.
            err = None if name == "requirepass" else config_set(port, name, BAD)
            if err is None:
                config_set(port, name, values[name])
            startup = False
            if err and "immutable" in err:
                e["mutable"] = False
                startup = True
            elif err and "protected" in err:
                e["protected"] = True
                startup = True
            if startup:
                err = startup_error(work, name, BAD)
            kind = "special" if name in SPECIAL else classify(err)
            if kind is None:
                kind = "special"
                e["reason"] = err
            e["type"] = kind
            if name not in written and name not in SPECIAL:
                e["unset"] = True  # no value by default (not written by a forced rewrite)
            if name in deny_loading:
                e["denyLoading"] = True  # CONFIG SET refuses it with LOADING during a load
            if kind == "enum":
                e["values"] = err.split(": ", 1)[1].split(", ")
            if kind in ("int", "memory", "memory-percent"):
                for probe in (LO, HI, "0"):
                    perr = startup_error(work, name, probe) if startup else config_set(port, name, probe)
                    if not startup and perr is None:
                        config_set(port, name, values[name])
                    m = re.match(r"argument must be between (-?\d+) and (-?\d+) inclusive", perr or "")
                    if m:
                        e["min"], e["max"] = int(m.group(1)), int(m.group(2))
                        break
                if "min" not in e:
                    # Memory values below 0 do not parse and 0..LLONG_MAX were all accepted.
                    e["min"], e["max"] = (0 if kind != "int" else -(2**63)), 2**63 - 1
            out.append(e)
        dest = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server", "src", "main", "resources",
                            "dev", "cinnabar", "server", "config", "configs.json")
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "w") as f:
            json.dump(out, f, indent=1)
            f.write("\n")
        print(f"{len(out)} directives written to {os.path.normpath(dest)}")
    finally:
        proc.terminate()
        proc.wait()


main()
