#!/usr/bin/env bash
# Health checks while 1,000 connections ask for results: with results computed a bounded number at a time (the
# default) and, as the baseline in the same run, with no practical bound (THIDUA_RESULTS_CONCURRENCY=256).
#
#   Tests/ops/overload.sh BIN [SECONDS]
#
# BIN is a (release) thidua; the data is THIDUA_DATA_DIR's or DATABASE_URL's, made by `bench-data` (PLAN names its
# movement, default bench-city). The script sets the password of bench-data's account `bench`. Loopback only; wrk
# stops by itself after SECONDS (default 20).
set -euo pipefail
BIN=$1
SECONDS_=${2:-20}
PORT=${PORT:-18190}
ulimit -n "$(ulimit -Hn)"  # 1,000 connections on each side need more than the usual 1,024
BENCH_PASSWORD=${BENCH_PASSWORD:-overload-password-1}
echo "$BENCH_PASSWORD" | "$BIN" set-password --username bench >/dev/null
echo "| results at once | requests | results served | requests/s | 503 answers | p50 | p99 | health checks | health p50 | health p99 | health max |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
PLAN=${PLAN:-bench-city}
for limit in ${LIMITS:-256 default}; do
  if [ "$limit" = default ]; then unset THIDUA_RESULTS_CONCURRENCY; else export THIDUA_RESULTS_CONCURRENCY=$limit; fi
  LOG_LEVEL=error "$BIN" serve --port "$PORT" > /tmp/overload-server.log 2>&1 &
  pid=$!
  for _ in $(seq 1 60); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
  token=$(curl -fsS -X POST "http://127.0.0.1:$PORT/api/v1/auth/token" -H 'Content-Type: application/json' \
    -d "{\"username\":\"bench\",\"password\":\"$BENCH_PASSWORD\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  url="http://127.0.0.1:$PORT/api/v1/movements/$PLAN/phases/dot-2/results"
  wrk -t2 -c1000 -d"${SECONDS_}s" --timeout 30s --latency -H "Authorization: Bearer $token" "$url" > /tmp/overload-wrk.txt 2>&1 &
  wrkpid=$!
  sleep 3
  : > /tmp/overload-health.txt
  while kill -0 "$wrkpid" 2>/dev/null; do
    curl -s -o /dev/null -m 30 -w '%{time_total}\n' "http://127.0.0.1:$PORT/healthz" >> /tmp/overload-health.txt || echo 30 >> /tmp/overload-health.txt
    sleep 0.5
  done
  wait "$wrkpid" || true
  kill "$pid"; wait "$pid" || true
  python3 - "$limit" <<'PY'
import re, sys, statistics
limit = sys.argv[1]
health = sorted(float(x) for x in open("/tmp/overload-health.txt") if x.strip())
wrk = open("/tmp/overload-wrk.txt").read()
rps = re.search(r"Requests/sec:\s+([\d.]+)", wrk).group(1)
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", wrk)
ok = int(re.search(r"(\d+) requests in", wrk).group(1)) - (int(non2xx.group(1)) if non2xx else 0)
total = re.search(r"(\d+) requests in", wrk).group(1)
p50 = re.search(r"^\s+50%\s+(\S+)", wrk, re.M).group(1)
p99 = re.search(r"^\s+99%\s+(\S+)", wrk, re.M).group(1)
q = lambda p: health[min(len(health) - 1, int(p * len(health)))]
print(f"| {limit} | {total} | {ok} | {rps} | {non2xx.group(1) if non2xx else 0} | {p50} | {p99} | {len(health)} | "
      f"{statistics.median(health) * 1000:.0f} ms | {q(0.99) * 1000:.0f} ms | {health[-1] * 1000:.0f} ms |")
PY
done
