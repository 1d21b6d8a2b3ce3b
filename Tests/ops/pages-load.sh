#!/usr/bin/env bash
# The pages people wait for, under 64 connections at once: one commune's page and one province's dashboard,
# signed in, each binary in turn on the same data (the baseline and the build measured, in the same run).
#
#   Tests/ops/pages-load.sh BIN [BIN…]
#
# Each BIN is a (release) thidua; the data is THIDUA_DATA_DIR's or DATABASE_URL's, made by `bench-data` (PLAN
# names its movement, default bench-province). Sets the password of bench-data's account `bench`. Loopback only.
set -euo pipefail
PORT=${PORT:-18195}
SECONDS_=${SECONDS_:-10}
CONNECTIONS=${CONNECTIONS:-64}
PLAN=${PLAN:-bench-province}
PASSWORD=${BENCH_PASSWORD:-pages-load-password-1}
jar=$(mktemp)
trap 'rm -f "$jar"' EXIT
echo "| build | page | requests | requests/s | 503 answers | p50 | p99 |"
echo "|---|---|---|---|---|---|---|"
for bin in "$@"; do
  echo "$PASSWORD" | "$bin" set-password --username bench >/dev/null
  LOG_LEVEL=error "$bin" serve --port "$PORT" > /tmp/pages-load-server.log 2>&1 &
  pid=$!
  for _ in $(seq 1 120); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
  base="http://127.0.0.1:$PORT"
  # A browser's sign-in: the form's CSRF cookie repeated in the form.
  rm -f "$jar"
  curl -fsS -c "$jar" -o /dev/null "$base/sign-in"
  csrf=$(awk '$6 == "thidua_csrf" { print $7 }' "$jar")
  curl -fsS -b "$jar" -c "$jar" -o /dev/null -X POST "$base/sign-in" \
    --data-urlencode "username=bench" --data-urlencode "password=$PASSWORD" --data-urlencode "next=/" --data-urlencode "_csrf=$csrf"
  # (curl writes HttpOnly cookies' lines beginning "#HttpOnly_".)
  cookie=$(awk 'NF >= 7 { printf "%s%s=%s", sep, $6, $7; sep="; " }' "$jar")
  token=$(curl -fsS -X POST "$base/api/v1/auth/token" -H 'Content-Type: application/json' \
    -d "{\"username\":\"bench\",\"password\":\"$PASSWORD\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  commune=$(curl -fsS -H "Authorization: Bearer $token" "$base/api/v1/movements/$PLAN/phases/dot-2/results" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["units"][0]["unit"]["id"])')
  province=$(curl -fsS -H "Authorization: Bearer $token" "$base/api/v1/units" \
    | python3 -c 'import json,sys; print(next(u["id"] for u in json.load(sys.stdin)["units"] if u["level"] == "province"))')
  pages=("commune page|/units/$commune/movements/$PLAN?phase=dot-2" "dashboard (one province)|/movements/$PLAN/phases/dot-2?area=$province")
  for entry in "${pages[@]}"; do
    name=${entry%%|*}; path=${entry#*|}
    # Warm (computed once, then kept), and signed in: a page, not the sign-in form's redirect.
    [ "$(curl -sS -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$base$path")" = 200 ] || { echo "$name: not 200" >&2; exit 1; }
    wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_}s" --timeout 30s --latency -H "Cookie: $cookie" "$base$path" > /tmp/pages-load-wrk.txt 2>&1
    python3 - "$(basename "$bin")" "$name" <<'PY'
import re, sys
wrk = open("/tmp/pages-load-wrk.txt").read()
total = re.search(r"(\d+) requests in", wrk).group(1)
rps = re.search(r"Requests/sec:\s+([\d.]+)", wrk).group(1)
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", wrk)
p50 = re.search(r"^\s+50%\s+(\S+)", wrk, re.M).group(1)
p99 = re.search(r"^\s+99%\s+(\S+)", wrk, re.M).group(1)
print(f"| {sys.argv[1]} | {sys.argv[2]} | {total} | {rps} | {non2xx.group(1) if non2xx else 0} | {p50} | {p99} |")
PY
  done
  kill "$pid"; wait "$pid" || true
done
