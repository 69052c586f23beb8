#!/usr/bin/env bash
# Regenerates docs/compatibility.md from the command and configuration tables.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -o -B -DskipTests -pl server -am package
java -cp "server/target/cinnabar-server-0.1.0-SNAPSHOT.jar:server/target/lib/*" \
  dev.cinnabar.server.tools.CompatibilityReport docs/compatibility.md
echo "docs/compatibility.md: $(grep -m1 '^## Commands' docs/compatibility.md)"
# Redis's own test suite, per unit, from docs/redis-suite-results.tsv (written by tools/suite-run.sh)
if [ -f docs/redis-suite-results.tsv ]; then
  awk -F'\t' '
    /^# Redis/ { sub(/^# /, ""); head = $0; next }
    /^# produced by: / { sub(/^# produced by: /, ""); cmd = $0; next }
    /^#/ || $1 == "unit" { next }
    { rows = rows "| " $1 " | " $2 " | " $3 " | " $4 " | " $5 " |\n"
      if ($2 != "-") re += $2; if ($3 + 0 == $3 || $3 ~ /^[0-9]/) oe += $3 + 0
      if ($4 != "-") rs += $4; if ($5 ~ /^[0-9]/) { os += $5 + 0; spawned = 1 } }
    END {
      print "\n## Redis 7.0.15 test suite, per unit\n"
      print head ". Produced by `" cmd "`: external mode (one running server; `--tags -slow`, DEBUG enabled) and spawn mode (the suite starts `bin/cinnabar-server` itself). \"Redis\" is real Redis 7.0.15 on the same kind of machine (the suite folder baselines); a status in parentheses means the unit was cut short. Units that need a capability not built yet (Cluster) pass few tests by design.\n"
      print "| unit | Redis, external | Cinnabar, external | Redis, spawn | Cinnabar, spawn |\n|---|---|---|---|---|"
      printf "%s", rows
      printf "| **total** | %d | %d | %d | %s |\n", re, oe, rs, spawned ? os : "-"
    }' docs/redis-suite-results.tsv >> docs/compatibility.md
fi
