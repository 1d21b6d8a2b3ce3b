#!/usr/bin/env bash
# The pages people wait for, served over HTTP on loopback by a (release) thidua, beside the results API for the
# same data in the same run: the movement dashboard of one province's communes, one commune's page, and the
# results API the dashboard rests on. p50 and p99 from wrk with a few connections (people, not a flood).
#
#   Tests/ops/pages-bench.sh BIN [SECONDS]
#
# The data is THIDUA_DATA_DIR's or DATABASE_URL's, made by `bench-data` (PLAN names its movement, default
# bench-city). The script sets the password of bench-data's account `bench`.
set -euo pipefail
BIN=$1
SECONDS_=${2:-10}
PORT=${PORT:-18191}
CONNECTIONS=${CONNECTIONS:-1}
PLAN=${PLAN:-bench-city}
BENCH_PASSWORD=${BENCH_PASSWORD:-pages-bench-password-1}
echo "$BENCH_PASSWORD" | "$BIN" set-password --username bench >/dev/null
LOG_LEVEL=error "$BIN" serve --port "$PORT" > /tmp/pages-bench-server.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
base="http://127.0.0.1:$PORT"
token=$(curl -fsS -X POST "$base/api/v1/auth/token" -H 'Content-Type: application/json' \
  -d "{\"username\":\"bench\",\"password\":\"$BENCH_PASSWORD\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
# A browser's session: the sign-in form with its CSRF token.
jar=$(mktemp)
curl -fsS -c "$jar" -b "$jar" "$base/sign-in" >/dev/null
csrf=$(awk '$6 == "thidua_csrf" {print $7}' "$jar")
curl -fsS -c "$jar" -b "$jar" -o /dev/null -X POST "$base/sign-in" \
  --data-urlencode "username=bench" --data-urlencode "password=$BENCH_PASSWORD" --data-urlencode "next=/" --data-urlencode "_csrf=$csrf"
cookie=$(awk '$6 ~ /^thidua_/ {printf "%s=%s; ", $6, $7}' "$jar")
results="$base/api/v1/movements/$PLAN/phases/dot-2/results"
read -r province commune < <(curl -fsS -H "Authorization: Bearer $token" "$base/api/v1/units" | python3 -c '
import json, sys
tree = json.load(sys.stdin)["units"]
def walk(nodes):
    for n in nodes:
        yield n
        yield from walk(n.get("children", []))
units = list(walk(tree))
province = next(u for u in units if u["level"] == "province")
commune = next(u for u in walk([province]) if u["level"] == "commune")
print(province["id"], commune["id"])')
dashboard="$base/movements/$PLAN/phases/dot-2?area=$province"
page="$base/units/$commune/movements/$PLAN?phase=dot-2"
for url in "$dashboard" "$page"; do
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$url")" = 200 ] || { echo "no page at $url"; exit 1; }
done
echo "| what | requests/s | p50 | p99 | bytes |"
echo "|---|---|---|---|---|"
run() {
  local name=$1 url=$2 header=$3
  local size
  size=$(curl -s -H "$header" -o /dev/null -w '%{size_download}' "$url")
  wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_}s" --timeout 30s --latency -H "$header" "$url" > /tmp/pages-bench-wrk.txt 2>&1
  python3 - "$name" "$size" <<'PY'
import re, sys
name, size = sys.argv[1], sys.argv[2]
wrk = open("/tmp/pages-bench-wrk.txt").read()
rps = re.search(r"Requests/sec:\s+([\d.]+)", wrk).group(1)
p50 = re.search(r"^\s+50%\s+(\S+)", wrk, re.M).group(1)
p99 = re.search(r"^\s+99%\s+(\S+)", wrk, re.M).group(1)
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", wrk)
if bad: sys.exit(f"{name}: {bad.group(1)} answers were not 2xx")
print(f"| {name} | {rps} | {p50} | {p99} | {int(size):,} |")
PY
}
run "results API (every commune)" "$results" "Authorization: Bearer $token"
run "dashboard page (one province)" "$dashboard" "Cookie: $cookie"
run "commune page" "$page" "Cookie: $cookie"
