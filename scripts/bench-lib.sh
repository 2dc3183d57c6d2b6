# Shared by the HTTP benchmark commands (scripts/soak, scripts/bench-durability): start the
# release server on a fresh database with an SMTP sink, and sign a demo citizen in to get a
# session cookie and an API token, as a person would. Source it; it sets BIN, and the functions
# below set BASE, BENCH_URL (the database), BENCH_DIR, SERVER_PID, TOKEN, COOKIE and DOSSIER_BODY.

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
python3 -c 'import aiosmtpd' 2>/dev/null || python3 -m pip install --quiet 'aiosmtpd>=1.4'
# BENCH_BIN runs another build instead (an A/B against an earlier commit).
if [ -z "${BENCH_BIN:-}" ]; then cargo build --release --locked --bin tinhso; fi
BIN="${BENCH_BIN:-$CARGO_TARGET_DIR/release/tinhso}"
BENCH_PIDS=()
trap 'kill "${BENCH_PIDS[@]}" 2>/dev/null || true' EXIT

# start_server DB [URL-SUFFIX]: DB is sqlite or postgres; the suffix is added to the database URL.
start_server() {
  local db=$1 suffix=${2:-} dir port url
  dir=$(mktemp -d)
  port=$((20000 + RANDOM % 10000))
  case "$db" in
    sqlite) url="sqlite://$dir/tinhso.db$suffix" ;;
    postgres)
      psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS tinhso_bench_$port WITH (FORCE)" -c "CREATE DATABASE tinhso_bench_$port"
      url="postgres://postgres@127.0.0.1:5432/tinhso_bench_$port$suffix" ;;
    *) echo "database must be sqlite or postgres" >&2; return 2 ;;
  esac
  launch_server "$dir" "$url" "$port"
}

# launch_server DIR URL [PORT]: the server on an existing data folder and database (a reused
# benchmark's data: see BENCH_REUSE in scripts/bench-documents).
launch_server() {
  local dir=$1 url=$2 port=${3:-$((20000 + RANDOM % 10000))}
  # A copy of the binary, so a rebuild during a long run cannot touch the running server.
  cp "$BIN" "$dir/tinhso"
  python3 e2e/smtp_sink.py "$((port + 1))" "$dir/mail.jsonl" >/dev/null 2>&1 &
  BENCH_PIDS+=($!)
  DATABASE_URL="$url" TINHSO_DATA_DIR="$dir" TINHSO_LISTEN="127.0.0.1:$port" \
    TINHSO_PUBLIC_URL="http://127.0.0.1:$port" TINHSO_SMTP__PORT="$((port + 1))" \
    TINHSO_METRICS_TOKEN=bench RUST_LOG=warn,tinhso_kernel::backfill=info "$dir/tinhso" serve >"$dir/server.log" 2>&1 &
  SERVER_PID=$!
  BENCH_PIDS+=("$SERVER_PID")
  BASE="http://127.0.0.1:$port"
  BENCH_DIR=$dir
  BENCH_URL=$url
  for _ in $(seq 1 "${BENCH_START_WAIT:-120}"); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 1; done
  sign_in_citizen
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
}

# sign_in EMAIL SCOPE...: a session cookie (COOKIE) and an API token with SCOPEs (TOKEN) of a
# demo person who needs no second factor, through the sign-in page and the account page.
sign_in() {
  local email=$1 jar="$BENCH_DIR/cookies-$1" scopes=()
  shift
  for s in "$@"; do scopes+=(--data-urlencode "scope=$s"); done
  csrf() { curl -s -b "$jar" -c "$jar" "$BASE$1" | grep -o 'name="_csrf" value="[^"]*"' | head -n1 | sed 's/.*value="//; s/"$//'; }
  curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "_csrf=$(csrf /login)" \
    --data-urlencode "identifier=$email" --data-urlencode password=TinhSo@2026 "$BASE/login"
  TOKEN=$(curl -s -b "$jar" -c "$jar" --data-urlencode "_csrf=$(csrf /account)" --data-urlencode name=bench \
    "${scopes[@]}" "$BASE/account/tokens" | grep -o 'tso_[A-Za-z0-9_-]*' | head -n1)
  COOKIE=$(awk '$6 == "ts_session" { print "ts_session=" $7 }' "$jar")
  [ -n "$TOKEN" ] && [ -n "$COOKIE" ] || { echo "could not sign $email in" >&2; return 1; }
  export TOKEN COOKIE
}

sign_in_citizen() {
  local jar="$BENCH_DIR/cookies"
  csrf() { curl -s -b "$jar" -c "$jar" "$BASE$1" | grep -o 'name="_csrf" value="[^"]*"' | head -n1 | sed 's/.*value="//; s/"$//'; }
  curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "_csrf=$(csrf /login)" \
    --data-urlencode identifier=congdan@tinhso.local --data-urlencode password=TinhSo@2026 "$BASE/login"
  TOKEN=$(curl -s -b "$jar" -c "$jar" --data-urlencode "_csrf=$(csrf /account)" --data-urlencode name=bench \
    --data-urlencode scope=dossiers --data-urlencode scope=open311 "$BASE/account/tokens" | grep -o 'tso_[A-Za-z0-9_-]*' | head -n1)
  COOKIE=$(awk '$6 == "ts_session" { print "ts_session=" $7 }' "$jar")
  [ -n "$TOKEN" ] && [ -n "$COOKIE" ] || { echo "could not sign in the demo citizen" >&2; return 1; }
  DOSSIER_BODY=$(curl -s "$BASE/api/v1/procedures/1.000775" | python3 -c '
import json, sys
p = json.load(sys.stdin)
sample = {"date": "1990-01-01", "number": "1", "citizen_id": "038190000222"}
answers = {f["key"]: (f["options"][0] if f["type"] == "choice" else sample.get(f["type"], "Nội dung"))
           for f in p["form"] if f["type"] != "file"}
print(json.dumps({"procedure": "1.000775", "agency": "000.00.60.H56", "answers": answers}, ensure_ascii=False))')
  export TOKEN COOKIE DOSSIER_BODY
}

# wait_idle [SECONDS]: waits until the server's start-up work (the search index, the live
# datasets' first refresh: full reads at 10⁶ dossiers) is done, so it is not measured as the
# pages' cost: the server process and, on PostgreSQL, the database's backends use under 5 % of
# a core for 5 seconds in a row. Gives up after SECONDS (600) with a warning.
wait_idle() {
  local limit=${1:-600} quiet=0 before now db="" ticks
  case "$BENCH_URL" in postgres*) db=${BENCH_URL##*/}; db=${db%%\?*} ;; esac
  ticks() {
    local pids=("$SERVER_PID")
    if [ -n "$db" ]; then
      mapfile -t -O 1 pids < <(psql -h 127.0.0.1 -U postgres -Atc "SELECT pid FROM pg_stat_activity WHERE datname = '$db'")
      pids[0]=$SERVER_PID
    fi
    local sum=0 p
    for p in "${pids[@]}"; do
      [ -r "/proc/$p/stat" ] && sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
    done
    echo "$sum"
  }
  before=$(ticks)
  for _ in $(seq 1 "$limit"); do
    sleep 1
    now=$(ticks)
    # 100 ticks a second: under 5 is under 5 % of one core (new backends start from 0).
    if [ $((now - before)) -lt 5 ]; then quiet=$((quiet + 1)); else quiet=0; fi
    before=$now
    [ "$quiet" -ge 5 ] && return 0
  done
  echo "warning: the server was still busy after ${limit}s" >&2
}
