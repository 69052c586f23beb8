#!/usr/bin/env bash
# Runs Redis 7.0.15's own test suite (../shared/redis-tests, outside the project) against this
# checkout's server and writes docs/redis-suite-results.tsv, which tools/gen-compatibility.sh
# turns into the per-unit table of docs/compatibility.md (tests Redis passes, tests we pass, in
# external and in spawn mode).
#
# Usage: tools/suite-run.sh [external|spawn|all] [OUT_DIR]     (default: all, /tmp/cinnabar-suite)
#   external: every unit of the suite in external mode (--tags -slow, DEBUG enabled), each unit on a
#             fresh server (a unit that leaves the server busy or paused must not fail the next);
#   spawn:    every unit in spawn mode (the suite starts bin/cinnabar-server itself), run-spawn.sh.
# Takes ~10 min (external) and ~40 min (spawn) on 2 cores. Redis's figures are the suite folder's
# baselines (real Redis 7.0.15 on this kind of machine). Ports: 23000-23400 for external mode.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
mode=${1:-all}
out=${2:-/tmp/cinnabar-suite}
suite=""
for d in ../shared/redis-tests ../../shared/redis-tests /work/shared/redis-tests; do
  [ -x "$d/run-external.sh" ] && { suite=$(cd "$d" && pwd); break; }
done
[ -n "$suite" ] || { echo "suite-run: ../shared/redis-tests not found" >&2; exit 2; }
mvn -q -o -B -DskipTests -pl server -am package
mkdir -p "$out"
results=docs/redis-suite-results.tsv

if [ "$mode" = external ] || [ "$mode" = all ]; then
  port=23000
  "$suite/prepare.sh" "$out/tree" >/dev/null
  cat > "$out/fresh-server.sh" <<EOS
#!/usr/bin/env bash
# before each unit: stop the previous server, start a fresh one
redis-cli -p $port shutdown nosave >/dev/null 2>&1 || true
pkill -f -- "--port $port --save" >/dev/null 2>&1 || true
sleep 0.5
# a private, empty data directory: DEBUG RELOAD writes dump.rdb there, and the next unit must not load it
rm -rf "$out/data" && mkdir -p "$out/data"
cd "$root" && nohup bin/cinnabar-server --port $port --save "" --appendonly no --enable-debug-command yes --dir "$out/data" \
  >> "$out/external-server.log" 2>&1 &
for i in \$(seq 1 80); do [ "\$(redis-cli -p $port ping 2>/dev/null)" = PONG ] && exit 0; sleep 0.25; done
exit 1
EOS
  chmod +x "$out/fresh-server.sh"
  rm -rf "$out/external"
  PRE_UNIT_CMD="$out/fresh-server.sh" "$suite/run-external.sh" "$out/tree" 127.0.0.1 $port "$out/external" \
    --tags -slow --baseport 23010 --portcount 300 || true
  redis-cli -p $port shutdown nosave >/dev/null 2>&1 || true
fi
if [ "$mode" = spawn ] || [ "$mode" = all ]; then
  rm -rf "$out/spawn"
  JOBS=${JOBS:-1} "$suite/run-spawn.sh" cinnabar "$out/spawn" || true
fi

# Merge: unit, Redis's external figure, ours, Redis's spawn figure, ours ("-" = not run).
ext=$out/external/summary.tsv; spw=$out/spawn/summary.tsv
[ -f "$ext" ] || ext=/dev/null; [ -f "$spw" ] || spw=/dev/null
prev=$results; [ -f "$prev" ] || prev=/dev/null
{
  echo "# Redis 7.0.15's test suite against Cinnabar $(git rev-parse --short HEAD), $(date -u +%F), $(nproc) CPUs"
  echo "# produced by: tools/suite-run.sh $mode   (external: --tags -slow, DEBUG on, fresh server per unit)"
  printf 'unit\tredis_external\tours_external\tredis_spawn\tours_spawn\n'
  awk -F'\t' -v ext="$ext" -v spw="$spw" -v prev="$prev" -v mode="$mode" '
    FILENAME == ARGV[1] { re[$1] = $2; units[$1] = 1; next }
    FILENAME == ARGV[2] { rs[$1] = $2; units[$1] = 1; next }
    FILENAME == ext && $1 != "file" && $1 != "TOTAL" && $6 != "exception" { oe[$1] = $2 (($6 != "done") ? " (" $6 ")" : ""); next }
    FILENAME == spw && $1 != "unit" && $1 != "TOTAL" { os[$1] = $2 (($4 != "done") ? " (" $4 ")" : ""); next }
    FILENAME == prev && $1 !~ /^#/ && $1 != "unit" { pe[$1] = $3; ps[$1] = $5; next }
    END {
      for (u in units) {
        e = (u in oe) ? oe[u] : ((mode == "spawn" && u in pe) ? pe[u] : "-")
        s = (u in os) ? os[u] : ((mode == "external" && u in ps) ? ps[u] : "-")
        printf "%s\t%s\t%s\t%s\t%s\n", u, (u in re) ? re[u] : "-", e, (u in rs) ? rs[u] : "-", s
      }
    }' "$suite/baseline-external.tsv" "$suite/baseline-spawn.tsv" "$ext" "$spw" "$prev" | sort
} > "$results.new"
mv "$results.new" "$results"
echo "suite-run: wrote $results"
