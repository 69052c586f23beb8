#!/usr/bin/env bash
# Live heap per key in Cinnabar (full GC before both readings), for the shapes of ../shared/bench/mem-vs-redis.sh.
# Usage: tools/mem-live-heap.sh   (needs redis-cli and jcmd; starts its own server on port 17301)
set -e
PORT=17301
CINNABAR_JAVA_OPTS="-Xms4g -Xmx4g -XX:+UseParallelGC" "$(dirname "$0")/../bin/cinnabar-server" --port $PORT --save '' > /tmp/memsrv.log 2>&1 &
for i in $(seq 1 100); do redis-cli -p $PORT ping >/dev/null 2>&1 && break; sleep 0.2; done
PID=$(redis-cli -p $PORT info server | grep process_id | cut -d: -f2 | tr -d '\r')
used() { jcmd $PID GC.run >/dev/null; sleep 0.5; jcmd $PID GC.run >/dev/null; redis-cli -p $PORT info memory | grep '^used_memory:' | cut -d: -f2 | tr -d '\r'; }
measure() { # name n generator
  redis-cli -p $PORT flushall >/dev/null
  u0=$(used)
  python3 -c "$3" | redis-cli -p $PORT --pipe >/dev/null
  u1=$(used)
  echo "$1 n=$2 live_bytes_per_key=$(( (u1-u0)/$2 )) dbsize=$(redis-cli -p $PORT dbsize)"
}
measure strings 1000000 'import sys
w=sys.stdout.write
for i in range(1000000):
    k="key:%06d"%i; v="val:%06d"%i
    w("*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n"%(len(k),k,len(v),v))'
measure hashes 100000 'import sys
w=sys.stdout.write
for i in range(100000):
    k="hash:%06d"%i; args=["HSET",k]
    for f in range(10): args+=["f:%d"%f,"v:%06d"%i]
    w("*%d\r\n"%len(args)+"".join("$%d\r\n%s\r\n"%(len(a),a) for a in args))'
measure zsets 100000 'import sys
w=sys.stdout.write
for i in range(100000):
    k="zset:%06d"%i; args=["ZADD",k]
    for m in range(10): args+=[str(m),"m:%d"%m]
    w("*%d\r\n"%len(args)+"".join("$%d\r\n%s\r\n"%(len(a),a) for a in args))'
measure list 1000000 'import sys
w=sys.stdout.write
for b in range(10000):
    args=["RPUSH","list"]+["e:%07d"%(b*100+j) for j in range(100)]
    w("*%d\r\n"%len(args)+"".join("$%d\r\n%s\r\n"%(len(a),a) for a in args))'
kill $PID
