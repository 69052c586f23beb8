#!/usr/bin/env python3
"""Regenerate server/src/main/resources/dev/cinnabar/server/command/commands.json.

The facts (arity, flags, key positions, key specs, ACL categories, tips, group, since, argument
structure) are read off a running Redis 7.0 with COMMAND and COMMAND DOCS, as DEVELOPERS.md allows.
Redis's prose (summaries, complexity, history) is deliberately dropped: our own summaries live in
summaries.tsv beside the table and are merged in here.

Usage: redis-server --port 16379 --save '' --daemonize yes
       tools/gen-command-table.py 16379

Sentinel mode has its own, smaller table (the commands redis-sentinel serves, with its metadata):
       redis-sentinel sentinel.conf --port 26379 --daemonize yes
       tools/gen-command-table.py 26379 --sentinel      (writes sentinel-commands.json)
"""
import json, subprocess, sys, os

port = sys.argv[1] if len(sys.argv) > 1 else "16379"
sentinel = "--sentinel" in sys.argv[2:]
def cli(*args):
    return json.loads(subprocess.check_output(["redis-cli", "-p", port, "--json", *args]))

info = cli("COMMAND")
# Redis 7.0's COMMAND never shows the may_replicate flag, yet the flag decides what CLIENT PAUSE
# WRITE postpones and what a read-only script may call. These are exactly the commands whose
# src/commands/*.json in Redis 7.0 carry MAY_REPLICATE (checked against 7.0.15: these, and no
# other command without the write flag, are postponed by CLIENT PAUSE WRITE). The server hides the
# flag from COMMAND again (CommandFlag.reported), so COMMAND's output stays Redis's.
MAY_REPLICATE = {"eval", "evalsha", "fcall", "publish", "spublish", "pfcount"}
# Also hidden by COMMAND: the commands that may delete (lazily expire) keys they did not name, whose
# deletions Redis propagates without a MULTI/EXEC around them (src/commands: scan, randomkey).
TOUCHES_ARBITRARY_KEYS = {"scan", "randomkey"}
docs = cli("COMMAND DOCS".split()[0], "DOCS")
here = os.path.dirname(os.path.abspath(__file__))
out_dir = os.path.join(here, "..", "server", "src", "main", "resources", "dev", "cinnabar", "server", "command")
summaries = {}
sp = os.path.join(out_dir, "summaries.tsv")
if os.path.exists(sp):
    for line in open(sp, encoding="utf-8"):
        if line.strip() and not line.startswith("#"):
            k, v = line.rstrip("\n").split("\t", 1)
            summaries[k] = v

def strip_args(args):
    out = []
    for a in args or []:
        b = {k: v for k, v in a.items() if k in ("name", "type", "key_spec_index", "token", "flags", "since", "deprecated_since", "display", "value")}
        if "arguments" in a:
            b["arguments"] = strip_args(a["arguments"])
        out.append(b)
    return out

def convert(e, doc):
    name, arity, flags, first, last, step, acl, tips, keyspecs, subs = e
    if not sentinel and name in MAY_REPLICATE and "may_replicate" not in flags:
        flags = flags + ["may_replicate"]
    if not sentinel and name in TOUCHES_ARBITRARY_KEYS and "touches_arbitrary_keys" not in flags:
        flags = flags + ["touches_arbitrary_keys"]
    d = doc or {}
    c = {
        "name": name, "arity": arity, "flags": flags, "firstKey": first, "lastKey": last, "step": step,
        "acl": [a.lstrip("@") for a in acl], "tips": tips, "keySpecs": keyspecs,
        "group": d.get("group"), "since": d.get("since"),
    }
    if name in summaries:
        c["summary"] = summaries[name]
    for k in ("doc_flags", "deprecated_since", "replaced_by"):
        if k in d:
            c[k] = d[k]
    if "arguments" in d:
        c["arguments"] = strip_args(d["arguments"])
    if subs:
        sd = d.get("subcommands", {})
        c["subcommands"] = [convert(s, sd.get(s[0])) for s in sorted(subs, key=lambda s: s[0])]
    return c

table = [convert(e, docs.get(e[0])) for e in sorted(info, key=lambda e: e[0])]
out_name = "sentinel-commands.json" if sentinel else "commands.json"
with open(os.path.join(out_dir, out_name), "w", encoding="utf-8") as f:
    json.dump(table, f, indent=0, separators=(",", ":"))
    f.write("\n")
print(len(table), "commands written")
