#!/usr/bin/env bash
# Runs the browser journeys alone against a fresh `thidua serve --demo` (SQLite, a temporary folder) and saves a
# screenshot of every page they visit into FOLDER (default: ./journey-screenshots).
#   bash Tests/e2e/run.sh [FOLDER]
# Needs chromium, chromedriver and `pip install selenium pytest axe-selenium-python`; builds thidua if needed.
set -euo pipefail
cd "$(dirname "$0")/../.."
SHOTS=$(realpath -m "${1:-journey-screenshots}")
BIN=${THIDUA_BIN:-.build/debug/thidua}
[ -x "$BIN" ] || swift build --product thidua
DATA=$(mktemp -d /tmp/thidua-journeys.XXXXXX)
PORT=${THIDUA_JOURNEY_PORT:-18090}
export THIDUA_DEMO_PASSWORD=${THIDUA_DEMO_PASSWORD:-journeys-demo-password}
THIDUA_RESOURCES="$PWD/Resources" THIDUA_DATA_DIR="$DATA" THIDUA_TIP_RELEASE_MINUTES=0 "$BIN" serve --demo --port "$PORT" > "$DATA/serve.log" 2>&1 &
SERVER=$!
# A second server that holds tips for the hour's release, as a real one does.
THIDUA_RESOURCES="$PWD/Resources" THIDUA_DATA_DIR="$DATA/held" "$BIN" serve --demo --port $((PORT + 1)) > "$DATA/held.log" 2>&1 &
HELD=$!
trap 'kill $SERVER $HELD 2>/dev/null || true; rm -rf "$DATA" "$DATA.tip.key" "$DATA/held.tip.key"' EXIT
for port in "$PORT" $((PORT + 1)); do
  for _ in $(seq 1 90); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 1; done
done
rm -rf "$SHOTS"
THIDUA_URL="http://127.0.0.1:$PORT" THIDUA_PASSWORD="$THIDUA_DEMO_PASSWORD" THIDUA_SHOTS="$SHOTS" \
  THIDUA_HELD_URL="http://127.0.0.1:$((PORT + 1))" THIDUA_HELD_RELEASE="THIDUA_DATA_DIR=$DATA/held $BIN tips release" \
  python3 -m pytest -q -p no:cacheprovider Tests/e2e
echo "Screenshots: $SHOTS ($(ls "$SHOTS" | wc -l) pages)"
