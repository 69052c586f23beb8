#!/usr/bin/env bash
# Regenerates docs/compatibility.md from the command and configuration tables.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -o -B -DskipTests -pl server -am package
java -cp "server/target/cinnabar-server-0.1.0-SNAPSHOT.jar:server/target/lib/*" \
  dev.cinnabar.server.tools.CompatibilityReport docs/compatibility.md
echo "docs/compatibility.md: $(grep -m1 '^## Commands' docs/compatibility.md)"
