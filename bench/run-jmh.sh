#!/usr/bin/env bash
# Builds the JMH benchmarks jar and runs it with the GC profiler, so every result comes with
# gc.alloc.rate.norm (bytes allocated per operation).
#   bench/run-jmh.sh                    all benchmarks (23; 8 minutes on 2 busy cores)
#   bench/run-jmh.sh 'DictBench'        benchmarks matching a JMH regex
#   JMH_ARGS='-rf json -rff out.json' bench/run-jmh.sh Dispatch   extra JMH options
# Builds offline from the reactor (never installs to ~/.m2). The normal build does not run these.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mvn -q -o -B -DskipTests -Pjmh -pl bench -am package
exec java -jar bench/target/benchmarks.jar -prof gc ${JMH_ARGS:-} "${1:-.*}"
