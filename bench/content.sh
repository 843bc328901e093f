#!/usr/bin/env bash
# bench/content.sh — the content and catalog benchmarks of docs/BENCHMARKS.md ("Content (issue 6)",
# "Catalog (issue 13)": parts D and E, run by make bench as BENCH_CONTENT_PARTS="D E"), run by
# `make bench` after `make build`. PostgreSQL only.
#
#   A. The node list with 10,000 nodes in tenant acme (50 rows a page, default sort), signed in as
#      the super admin: wrk on the full page GET /t/acme/nodes and on the htmx fragment (the same
#      URL with HX-Request: true), and in the same round pgbench running the SQL the handler runs
#      for that page, read from PostgreSQL's log with its values (bench/capture.pl), without the
#      middleware's statements, with the same client count and pgx's protocol (named prepared
#      statements: pgbench -M prepared). Goal: app req/s ÷ pgbench tps ≥ 0.7 (issue 12; 0.5 in
#      issue 6).
#   B. Creating a node (one translation, node.created + node.translation_updated in sys_events,
#      and the slug check in one transaction): the Go benchmark
#      BenchmarkCreateNode (bench/content_test.go, models.Store.CreateNode) against pgbench
#      sending the same INSERTs in one transaction, at the same concurrency.
#      Goal: app creates/s ÷ pgbench tps ≥ 0.6. Also, for information: POST /t/acme/nodes with wrk,
#      and pgbench with every statement CreateNode sends (the slug check too).
#   C. The request path (issue 12): this code against a baseline binary (BENCH_BASELINE, default
#      6679b51, built from a temporary worktree), back to back, the order alternating between
#      rounds, PostgreSQL + Redis sessions, wrk -c16 (BENCH_COMPARE_CLIENTS), NODES nodes in each
#      binary's own database: the list page, its htmx fragment, the dashboard GET /t/acme/ and
#      POST /t/acme/nodes (on a fresh seeded database per round). Goals: req/s ≥ 3×, 3×, 2× and
#      1.5× the baseline's with p99 no worse; CPU per request of the server and of PostgreSQL +
#      Redis, for each binary.
#   D. The products list (issue 13) with BENCH_CATALOG_PRODUCTS (10,000) products of 3 variants
#      each (30,000), prices in EUR and USD: wrk on GET /t/acme/products (page 1, 50 rows, default
#      sort) and its htmx fragment against pgbench running the page's SQL as captured from
#      PostgreSQL's log, without the middleware's, as in A. Goal: app ÷ pgbench ≥ 0.5.
#   E. Stock (issue 13): BENCH_STOCK_CLIENTS (16) wrk clients POST +1 to one variant's
#      adjustment for the run; the stock must move by exactly the number of new ledger rows.
#      Against pgbench sending AdjustInventory's statements (the stock UPDATE with its ledger
#      INSERT, then the outbox's statement and COMMIT), checked against the app's, at the same
#      concurrency on a copy where no server runs. Goal: app ÷ pgbench ≥ 0.6.
#
# Before measuring, the script switches log_statement on for its own database only, makes one
# request of each kind against a throw-away server and reads PostgreSQL's log: it prints the
# statements each request ran, derives the list's pgbench scripts from them, and checks that the
# create's pgbench script sends the app's statement shapes. (Skipped, and said so, when the log
# cannot be read: BENCH_PG_LOG; A then has no pgbench figures.)
#
# Knobs (environment): BENCH_CONTENT_ROUNDS (default 3; the app-first / pgbench-first order
# alternates between rounds; the report gives each round and the medians),
# BENCH_CONTENT_DURATION (default 10s, whole seconds: each wrk, pgbench and Go benchmark run),
# BENCH_CONTENT_NODES (10000), BENCH_LIST_CLIENTS (16: wrk -c and pgbench -c for A),
# BENCH_CREATE_CLIENTS (default "1,8": concurrency levels of B), BENCH_PG_HOST/BENCH_PG_PORT
# (127.0.0.1:5432), BENCH_PG_LOG (PostgreSQL's log file; default the newest
# /var/log/postgresql/postgresql-*-main.log), BENCH_REDIS_URL (redis://127.0.0.1:6379/0),
# BENCH_CONTENT_PARTS (default "A B C"; D and E are the catalog's: which parts run), BENCH_CATALOG_PRODUCTS (10000), BENCH_STOCK_CLIENTS (16), BENCH_BASELINE (6679b51: C's baseline),
# BENCH_COMPARE_CLIENTS (16: wrk -c of C).
#
# Everything it starts is stopped on exit (trap); its temp dir, databases and Redis keys are
# removed; every wait is bounded; it talks only to 127.0.0.1. A missed goal is reported, never
# an error: it exits non-zero only when a measurement could not be taken.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/bin/rustok
GO=${GO:-go}
ROUNDS=${BENCH_CONTENT_ROUNDS:-3}
DURATION=${BENCH_CONTENT_DURATION:-10s}
NODES=${BENCH_CONTENT_NODES:-10000}
LIST_CLIENTS=${BENCH_LIST_CLIENTS:-16}
CREATE_CLIENTS=${BENCH_CREATE_CLIENTS:-1,8}
PG_HOST=${BENCH_PG_HOST:-127.0.0.1}
PG_PORT=${BENCH_PG_PORT:-5432}
PG_USER=postgres
BENCH_REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/0}
PARTS=${BENCH_CONTENT_PARTS:-A B C} # which of A, B, C to run
BASELINE=${BENCH_BASELINE:-6679b51} # C's baseline: the commit issue 12 measures against
part() { [[ " $PARTS " == *" $1 "* ]]; }

# Goals (docs/BENCHMARKS.md).
GOAL_LIST=0.7 # issue 12 (issue 6 set 0.5)
GOAL_CREATE=0.6

[[ $DURATION =~ ^([0-9]+)s$ ]] || { echo "BENCH_CONTENT_DURATION must be whole seconds, such as 10s" >&2; exit 2; }
SECONDS_EACH=${BASH_REMATCH[1]}
[[ $ROUNDS =~ ^[1-9][0-9]*$ && $NODES =~ ^[1-9][0-9]*$ && $LIST_CLIENTS =~ ^[1-9][0-9]*$ ]] ||
  { echo "BENCH_CONTENT_ROUNDS, BENCH_CONTENT_NODES and BENCH_LIST_CLIENTS must be positive numbers" >&2; exit 2; }
IFS=, read -r -a CREATE_CS <<<"$CREATE_CLIENTS"
for c in "${CREATE_CS[@]}"; do
  [[ $c =~ ^[1-9][0-9]*$ && $c -le 255 ]] || { echo "BENCH_CREATE_CLIENTS: want numbers 1..255 separated by commas" >&2; exit 2; }
done
HTTP_CLIENTS=$(printf '%s\n' "${CREATE_CS[@]}" | sort -n | tail -n1) # POST over HTTP: the highest level

# A clean, deterministic environment: nothing inherited decides which backend is measured.
unset DATABASE_URL REDIS_URL NATS_URL ADDR LOG_FORMAT LOG_LEVEL COOKIE_SECURE
export RUSTOK_ADMIN_EMAIL=admin@example.com
export RUSTOK_ADMIN_PASSWORD=rustok-bench-password-1
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1
export PGCONNECT_TIMEOUT=5

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg) # before anything here builds or runs
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rustok-content.XXXXXX")
PIDS=()       # every process this script started and has not stopped yet
DBS=()        # every PostgreSQL database this script created
REDIS_KEYS=() # Redis keys this script created (sessions, rate-limit entries)
SKIPPED=()
SERVER_PID=
GO_DBS_BEFORE= # while the Go benchmark runs: the test databases (rustok_t_*) that existed before it

. "$ROOT/bench/lib.sh" # log, stop_pid, up, http, pg_*, forget_pid, to_ms, CPU tick readers, now_s
die() { log "bench/content: $*"; exit 1; }


cleanup() {
  local rc=$?
  set +e
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  # An interrupted Go benchmark leaves its testkit database (t.Cleanup does not run): drop the
  # test databases that appeared while it ran. No --force: one another session is using stays.
  if [[ -n $GO_DBS_BEFORE ]]; then
    for db in $(test_dbs); do
      grep -qxF "$db" <<<"$GO_DBS_BEFORE" || dropdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" --if-exists "$db" 2>/dev/null
    done
  fi
  for db in "${DBS[@]}"; do
    forget_tenant_keys "$db"
    dropdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" --if-exists --force "$db" 2>/dev/null
  done
  if ((${#REDIS_KEYS[@]})) && command -v redis-cli >/dev/null; then
    redis-cli -u "$BENCH_REDIS_URL" DEL "${REDIS_KEYS[@]}" >/dev/null 2>&1
  fi
  if [[ -n ${WORKTREE:-} ]]; then
    git -C "$ROOT" worktree remove --force "$WORKTREE" 2>/dev/null
    git -C "$ROOT" worktree prune 2>/dev/null
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

psqlq() { psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -X -v ON_ERROR_STOP=1 -q "$@"; } # psqlq -d DB ...
median() { # median of the numbers on stdin (mean of the two middle ones when even)
  sort -g | awk '{v[NR]=$1} END {if (NR==0) {print "n/a"; exit}
    if (NR%2) printf "%.2f\n", v[(NR+1)/2]; else printf "%.2f\n", (v[NR/2]+v[NR/2+1])/2}'
}
ratio() { awk -v n="$1" -v d="$2" 'BEGIN {if (n != "n/a" && d + 0 > 0) printf "%.2f", n / d; else print "n/a"}'; }
verdict() { awk -v v="$1" -v g="$2" 'BEGIN {print (v != "n/a" && v + 0 >= g + 0) ? "met" : "NOT met"}'; }

# ---------------------------------------------------------------------------------------------
# Tools and services
[[ -x $BIN ]] || die "$BIN is missing: run make build (make bench does)"
for tool in curl psql createdb dropdb; do command -v "$tool" >/dev/null || die "$tool is needed"; done
if ! command -v wrk >/dev/null || ! command -v pgbench >/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    log "installing wrk / pgbench (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    pkgs=(wrk postgresql-client)
    apt-get install -y -q "${pkgs[@]}" >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "${pkgs[@]}" >/dev/null 2>&1; } ||
      log "could not install ${pkgs[*]}"
  fi
fi
command -v wrk >/dev/null || die "wrk is needed (apt-get install -y wrk)"
command -v pgbench >/dev/null || die "pgbench is needed (apt-get install -y postgresql-client)"
up "$PG_HOST" "$PG_PORT" || die "PostgreSQL does not answer on $PG_HOST:$PG_PORT (make services)"
HAVE_REDIS=false
redis_hostport=${BENCH_REDIS_URL#redis://}; redis_hostport=${redis_hostport%%/*}
if up "${redis_hostport%%:*}" "${redis_hostport##*:}"; then HAVE_REDIS=true; fi
$HAVE_REDIS || SKIPPED+=("Redis sessions: nothing answers at $BENCH_REDIS_URL, so serve keeps sessions in memory")

HELPER=$WORK/readytime
"$GO" build -o "$HELPER" bench/readytime.go || die "could not build bench/readytime.go"
# The Go benchmark is compiled now, so that no compiler runs during a measurement.
BENCH_TEST=$WORK/bench.test
"$GO" test -c -o "$BENCH_TEST" ./bench/ || die "could not compile ./bench/"

# C's baseline binary, built from a temporary worktree (removed once built, and by cleanup).
WORKTREE= BASE_BIN=
if part C; then
  BASE_REV=$(git -C "$ROOT" rev-parse --verify -q "$BASELINE^{commit}") || die "BENCH_BASELINE=$BASELINE is not a commit of this repository"
  BASE_SHORT=$(git -C "$ROOT" rev-parse --short "$BASE_REV")
  log "== building the baseline $BASE_SHORT in a temporary worktree (about 2 minutes the first time)"
  WORKTREE=$WORK/baseline-src
  git -C "$ROOT" worktree add -q --detach "$WORKTREE" "$BASE_REV" >&2 || { WORKTREE=; die "git worktree add failed"; }
  (cd "$WORKTREE" && "$GO" build -ldflags "-X main.version=$BASE_SHORT" -o "$WORK/rustok-baseline" ./cmd/rustok) ||
    die "could not build the baseline $BASE_SHORT"
  git -C "$ROOT" worktree remove --force "$WORKTREE" && git -C "$ROOT" worktree prune
  WORKTREE=
  BASE_BIN=$WORK/rustok-baseline
fi

PG_LOG=${BENCH_PG_LOG:-$(ls -t /var/log/postgresql/postgresql-*-main.log 2>/dev/null | head -n1 || true)}

test_dbs() { psqlq -d postgres -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'rustok\_t\_%'" 2>/dev/null; }

# forget_tenant_keys DB: serve caches tenants in Redis (tenant:v1:slug:SLUG, tenant:v1:id:ID),
# shared by every process on that Redis; each benchmark database has its own acme, so its keys
# are dropped before a server starts and after it stops (see bench/run.sh).
forget_tenant_keys() {
  $HAVE_REDIS && command -v redis-cli >/dev/null || return 0
  local id
  id=$(psqlq -d "$1" -Atc "SELECT id FROM tenants WHERE slug = 'acme'" 2>/dev/null) || id=
  redis-cli -u "$BENCH_REDIS_URL" DEL tenant:v1:slug:acme ${id:+"tenant:v1:id:$id"} >/dev/null 2>&1 || true
}


# start_server DB LOG: serve DB (with Redis sessions when Redis answers) on a free port and wait
# for /readyz. Sets SERVER_PID and BASE.
start_server() {
  local db=$1 logf=$2 port env=(DATABASE_URL="$(pg_url "$1")")
  $HAVE_REDIS && env+=(REDIS_URL="$BENCH_REDIS_URL")
  forget_tenant_keys "$db"
  port=$("$HELPER" freeport)
  (cd "$WORK" && exec env "${env[@]}" ADDR="127.0.0.1:$port" "${SBIN:-$BIN}" serve) >"$logf" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  BASE="http://127.0.0.1:$port"
  "$HELPER" wait -url "$BASE/readyz" -timeout 30s ||
    { tail -n 20 "$logf" >&2; die "serve did not become ready (log above)"; }
  if $HAVE_REDIS; then
    grep -q 'sessions=redis' "$logf" || die "serve did not report sessions=redis"
  fi
}
stop_server() { # stop_server DB: stop $SERVER_PID, forget it and the tenant keys it cached
  stop_pid "$SERVER_PID"
  forget_pid "$SERVER_PID"
  SERVER_PID=
  forget_tenant_keys "$1"
}

# sign_in JAR: signs the super admin in at $BASE and sets COOKIE to the session and CSRF cookies
# and CSRF_TOKEN to the token forms post, checking that the exact Cookie header gets a 200 from
# the node list.
sign_in() {
  local jar=$1 page csrf code sess csrfc k
  if $HAVE_REDIS && command -v redis-cli >/dev/null; then # keys that are new, so cleanup drops them
    for k in "rl:login:email:$RUSTOK_ADMIN_EMAIL" "rl:login:ip:127.0.0.1"; do
      [[ $(redis-cli -u "$BENCH_REDIS_URL" EXISTS "$k" 2>/dev/null) != 0 ]] || REDIS_KEYS+=("$k")
    done
  fi
  page=$(http -c "$jar" -b "$jar" "$BASE/login")
  csrf=$(grep -o 'name="_csrf" value="[^"]*"' <<<"$page" | head -n1 | sed 's/.*value="//; s/"$//')
  [[ -n $csrf ]] || die "no _csrf token in the sign-in form"
  code=$(http -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" \
    --data-urlencode "_csrf=$csrf" --data-urlencode "email=$RUSTOK_ADMIN_EMAIL" \
    --data-urlencode "password=$RUSTOK_ADMIN_PASSWORD" "$BASE/login")
  [[ $code == 303 ]] || die "POST /login answered $code, want 303"
  # The create form, with the jar: the jar then holds the signed-in session's CSRF cookie.
  page=$(http -c "$jar" -b "$jar" "$BASE/t/acme/nodes/new")
  CSRF_TOKEN=$(grep -o 'name="_csrf" value="[^"]*"' <<<"$page" | head -n1 | sed 's/.*value="//; s/"$//')
  [[ -n $CSRF_TOKEN ]] || die "no _csrf token in the node form"
  sess=$(awk '$6=="rustok_session" {v=$7} END {print v}' "$jar")
  csrfc=$(awk '$6=="rustok_csrf" {v=$7} END {print v}' "$jar")
  [[ -n $sess && -n $csrfc ]] || die "the cookie jar lacks rustok_session or rustok_csrf"
  COOKIE="rustok_session=$sess; rustok_csrf=$csrfc"
  ! $HAVE_REDIS || REDIS_KEYS+=("sess:$sess")
  code=$(http -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "$BASE/t/acme/nodes")
  [[ $code == 200 ]] || die "GET /t/acme/nodes with the Cookie header answered $code, want 200"
}

# route_counts METHOD STATUS: how many METHOD $ROUTE (default /t/:slug/nodes) requests the server
# answered, and how many of them with STATUS.
route_counts() {
  http "$BASE/metrics" | awk -v m="$1" -v s="$2" -v route="${ROUTE:-/t/:slug/nodes}" '/^rustok_http_request_duration_seconds_count\{/ &&
    index($0, "route=\"" route "\"") && index($0, "method=\"" m "\"") {
    all += $NF; if (index($0, "status=\"" s "\"")) ok += $NF } END {printf "%d %d\n", all, ok}'
}

# Other work on the machine is the biggest error in these figures, so each run measures it as
# bench/run.sh does: the CPU time the machine spent in user and system mode during the run, less
# what the server, the load generator, PostgreSQL and Redis used, is "other CPU" (an estimate:
# other sessions' work inside PostgreSQL or Redis counts as ours).
CLK_TCK=$(getconf CLK_TCK)
ticks_of() { local st; st=$(proc_stat "$1"); echo "${st#* }"; }

# measure LABEL OUT CMD...: run CMD (output to OUT) in the background, wait for it (stopped
# after the run's duration + 120 s), and set M_OTHER: other CPU, % of the machine; and the CPU
# time (ms) of the server (M_SRV), the command (M_CMD) and PostgreSQL + Redis (M_DB).
measure() {
  local label=$1 out=$2 t0 busy0 srv0=0 srv1 db0 cmd_ticks=0 st elapsed other pid
  local deadline=$((SECONDS + SECONDS_EACH + 120))
  shift 2
  t0=$(now_s) busy0=$(busy_ticks) db0=$(db_ticks)
  [[ -z $SERVER_PID ]] || srv0=$(ticks_of "$SERVER_PID")
  "$@" >"$out" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  # In the background and waited for, so a trapped signal ends the wait at once and cleanup stops
  # the command. The loop reads the command's CPU time while it runs (an exited one has none).
  while st=$(proc_stat "$pid") && [[ -n $st && $st != Z* ]]; do
    cmd_ticks=${st#* }
    ((SECONDS < deadline)) || { log "   $label is overdue: stopping it"; kill -TERM "$pid" 2>/dev/null || true; }
    sleep 0.2
  done
  local rc=0
  wait "$pid" || rc=$?
  forget_pid "$pid"
  ((rc == 0)) || { sed 's/^/   /' "$out" >&2; die "$label failed (exit $rc)"; }
  elapsed=$(awk -v a="$t0" -v b="$(now_s)" 'BEGIN {print b - a}')
  srv1=$srv0
  [[ -z $SERVER_PID ]] || srv1=$(ticks_of "$SERVER_PID")
  other=$(( $(busy_ticks) - busy0 - (${srv1:-$srv0} - srv0) - cmd_ticks - ($(db_ticks) - db0) ))
  M_OTHER=$(awk -v o="$other" -v hz="$CLK_TCK" -v e="$elapsed" -v n="$(nproc)" \
    'BEGIN {if (o < 0) o = 0; printf "%.0f", 100 * o / hz / (e * n)}')
  M_SRV=$(( (${srv1:-$srv0} - srv0) * 1000 / CLK_TCK )) M_CMD=$((cmd_ticks * 1000 / CLK_TCK))
  M_DB=$(( ($(db_ticks) - db0) * 1000 / CLK_TCK ))
}
# per_op MS OPS: milliseconds per operation, 2 decimals
per_op() { awk -v m="$1" -v n="$2" 'BEGIN {if (n + 0 > 0) printf "%.2f", m / n; else print "n/a"}'; }

# run_wrk LABEL METHOD STATUS CLIENTS URL [wrk options...] [-- script args...]: wrk for the run's
# duration; checks on the server side that every METHOD /t/:slug/nodes answer had STATUS. Sets
# W_RPS, W_P50, W_P99, W_OTHER and W_NOTE.
run_wrk() {
  local label=$1 method=$2 status=$3 clients=$4 url=$5 out before all ok sent non2xx threads=2
  local opts=() sargs=()
  shift 5
  while (($#)) && [[ $1 != -- ]]; do opts+=("$1"); shift; done
  (($# == 0)) || { shift; sargs=(-- "$@"); }
  ((clients >= 2)) || threads=1
  out=$WORK/wrk-$label.txt
  before=$(route_counts "$method" "$status") || die "could not read $BASE/metrics"
  log "-- $label: wrk -t$threads -c$clients -d$DURATION --latency ${opts[*]} $url${sargs[*]:+ -- (${#sargs[@]} script args)}"
  measure "wrk $label" "$out" wrk -t"$threads" -c"$clients" -d"$DURATION" --latency --timeout 10s "${opts[@]}" "$url" "${sargs[@]}"
  sed 's/^/   /' "$out" >&2
  kill -0 "$SERVER_PID" 2>/dev/null || die "the server is gone after the load"
  read -r all ok <<<"$(route_counts "$method" "$status")" || die "could not read $BASE/metrics"
  set -- $before
  all=$((all - $1)) ok=$((ok - $2))
  sent=$(awk '/requests in/ {print $1}' "$out")
  non2xx=$(awk -F': *' '/Non-2xx or 3xx responses/ {print $2}' "$out")
  W_RPS=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")
  W_P50=$(to_ms "$(awk '$1=="50%" {print $2}' "$out")")
  W_P99=$(to_ms "$(awk '$1=="99%" {print $2}' "$out")")
  W_OTHER=$M_OTHER
  [[ -n $W_RPS ]] || die "no Requests/sec in the wrk output of $label"
  W_CPU="$(per_op "$M_SRV" "$sent") $(per_op "$M_CMD" "$sent") $(per_op "$M_DB" "$sent")"
  W_NOTE="$ok/$all $status"
  ((all > 0 && ok == all)) || W_NOTE="$W_NOTE — NOT ALL $status, figure invalid"
  [[ -z $non2xx || $status == 303 ]] || W_NOTE="$W_NOTE; wrk saw $non2xx non-2xx/3xx"
  log "   wrk completed $sent requests; server: $ok of $all $method answers were $status; other CPU ${W_OTHER}%;" \
    "CPU ms per request: server $(cut -d' ' -f1 <<<"$W_CPU"), wrk $(cut -d' ' -f2 <<<"$W_CPU"), PostgreSQL + Redis $(cut -d' ' -f3 <<<"$W_CPU")"
  [[ $W_NOTE != *"NOT ALL"* ]] || INVALID+=("$label: $W_NOTE")
}

# run_pgbench LABEL DB SCRIPT CLIENTS [pgbench args...]: pgbench -M prepared for the run's
# duration. Sets P_TPS, P_LAT (average ms) and P_OTHER; fails if any transaction failed.
run_pgbench() {
  local label=$1 db=$2 script=$3 clients=$4 out jobs=2 failed
  shift 4
  ((clients >= 2)) || jobs=1
  out=$WORK/pgbench-$label.txt
  log "-- $label: pgbench -n -M prepared -c$clients -j$jobs -T$SECONDS_EACH -f $(basename "$script") $db"
  measure "pgbench $label" "$out" pgbench -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -n -M prepared \
    -c"$clients" -j"$jobs" -T"$SECONDS_EACH" "$@" -f "$script" "$db"
  grep -E '^(number of (transactions actually processed|failed)|latency average|tps)' "$out" | sed 's/^/   /' >&2
  P_TPS=$(awk -F'= *' '/^tps/ {printf "%.0f", $2; exit}' "$out")
  P_LAT=$(awk -F'= *' '/^latency average/ {printf "%.2f", $2 + 0; exit}' "$out")
  P_OTHER=$M_OTHER
  local txs
  txs=$(awk -F': *' '/^number of transactions actually processed/ {print $2 + 0}' "$out")
  P_CPU="$(per_op "$M_SRV" "$txs") $(per_op "$M_CMD" "$txs") $(per_op "$M_DB" "$txs")"
  failed=$(awk -F': *' '/^number of failed transactions/ {print $2 + 0}' "$out")
  [[ -n $P_TPS ]] || { cat "$out" >&2; die "no tps in the pgbench output of $label"; }
  [[ ${failed:-0} == 0 ]] || { cat "$out" >&2; die "pgbench $label: $failed transactions failed"; }
  log "   other CPU ${P_OTHER}%; CPU ms per transaction: pgbench $(cut -d' ' -f2 <<<"$P_CPU"), PostgreSQL + Redis $(cut -d' ' -f3 <<<"$P_CPU")"
}

# to_pg SCRIPT: the SQL a pgbench script sends, as PostgreSQL logs it under -M prepared: one line
# per statement, each :variable a new $n in order of appearance, no final semicolon.
to_pg() {
  awk '/^\\/ {next} {l = $0; gsub(/^[ \t]+|[ \t]+$/, "", l); s = s (s == "" ? "" : " ") l} /;$/ {sub(/;$/, "", s)
    out = ""; n = 0
    while (match(s, /:[a-z_][a-z0-9_]*/)) {
      pre = substr(s, 1, RSTART - 1)
      if (substr(s, RSTART - 1, 1) == ":") { out = out pre substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH); continue }
      out = out pre "$" (++n); s = substr(s, RSTART + RLENGTH)
    }
    print out s; s = ""}' "$1"
}

# capture_start DB / capture_end DB OUT: log every statement of new sessions on DB (its own
# database only) into OUT: PostgreSQL's log lines of DB, first line of each statement.
capture_start() {
  CAPTURE_OFF=$(stat -c %s "$PG_LOG")
  psqlq -d "$1" -c "ALTER DATABASE $1 SET log_statement = 'all'"
}
capture_mark() { stat -c %s "$PG_LOG"; }
capture_end() { psqlq -d "$1" -c "ALTER DATABASE $1 RESET log_statement"; }
log_slice() { tail -c +$(($1 + 1)) "$PG_LOG" | head -c $(($2 - $1)); } # log_slice FROM TO: the log between two offsets
# statements_between DB FROM TO: the statements DB's sessions logged between two log offsets,
# without the relay's (it polls sys_events in the background), one line each.
statements_between() {
  tail -c +$(($2 + 1)) "$PG_LOG" | head -c $(($3 - $2)) |
    awk -v db="@$1 " 'index($0, db) && (/LOG:  execute [^:]*: / || /LOG:  statement: /) {
      sub(/^.*LOG:  (execute [^:]*|statement): /, ""); print }' |
    grep -v -e 'UPDATE sys_events s SET claimed_by' -e 'UPDATE "sys_events" SET "attempts"' || true
}

# ---------------------------------------------------------------------------------------------
log "== RusToK content benchmarks: $(nproc) CPUs, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $("$GO" env GOVERSION), $("$BIN" version)"
log "   $ROUNDS rounds of $DURATION runs; temp dir $WORK; load average $(cut -d' ' -f1-3 /proc/loadavg)"
INVALID=()

# The same Markdown body as benchNodeBody in bench/content_test.go: keep the two in step.
BODY='## Why this matters

Shipping a small change every day keeps the shop fresh. Customers notice new photos, clearer prices and honest delivery dates long before they notice a redesign.

- Write the headline first.
- Keep paragraphs short.
- Link to the products you mention.

A good post answers one question well. If it needs a second one, that is the next post. Read it aloud before you publish it, and ask a colleague to check the links.'
BODY_SQL="E'$(printf '%s' "$BODY" | sed "s/'/''/g" | awk '{printf "%s%s", (NR > 1 ? "\\n" : ""), $0}')'"
BODY_JSON=$(printf '%s' "$BODY" | awk '{printf "%s%s", (NR > 1 ? "\\n" : ""), $0}') # JSON string content

# The seed: 5 authors, and nodes of acme up to NODES in all (locales en, de): 85% with both translations, 12%
# English only, 3% German only; 55% published, 35% draft, 10% archived; 85% posts; titles from
# word lists ("Careful checklist for support staff: 9 facts"), bodies of 0.4–1.6 KB; created over
# two years. Plain INSERTs (no events: the list never reads sys_events), then VACUUM ANALYZE, so
# autovacuum does not start in the middle of a measurement, and a CHECKPOINT, so neither does one.
cat >"$WORK/seed.sql" <<'EOF'
\set ON_ERROR_STOP on
-- bin/rustok seed may already have put demo content into acme: top it up to :nodes.
SELECT :nodes - count(*) AS todo FROM nodes n JOIN tenants t ON t.id = n.tenant_id WHERE t.slug = 'acme' \gset
BEGIN;
SELECT setseed(0.42);
CREATE TEMP TABLE bench_authors ON COMMIT DROP AS
SELECT row_number() OVER () AS k, gen_random_uuid() AS id, v.name, v.email
FROM (VALUES ('Anna Schmidt', 'anna@acme.example'), ('Ben Carter', 'ben@acme.example'),
             ('Chloé Martin', 'chloe@acme.example'), ('Dmitri Volkov', 'dmitri@acme.example'),
             ('', 'editor@acme.example')) AS v(name, email);
INSERT INTO users (id, email, name, password_hash, status, created_at, updated_at)
SELECT id, email, name, '!bench-author-cannot-sign-in', 'active', now(), now() FROM bench_authors;

CREATE TEMP TABLE bench_nodes ON COMMIT DROP AS
SELECT i, gen_random_uuid() AS id,
       CASE WHEN r_kind < 0.85 THEN 'post' ELSE 'page' END AS kind,
       CASE WHEN r_status < 0.55 THEN 'published' WHEN r_status < 0.90 THEN 'draft' ELSE 'archived' END AS status,
       1 + floor(r_author * 5)::int AS author_k,
       CASE WHEN r_loc < 0.85 THEN 'both' WHEN r_loc < 0.97 THEN 'en' ELSE 'de' END AS locs,
       created, created + (updated_after * interval '1 day') AS updated, w1, w2, w3, w4
FROM (SELECT i, random() AS r_kind, random() AS r_status, random() AS r_author, random() AS r_loc,
             now() - (random() * 730) * interval '1 day' AS created, random() * 60 AS updated_after,
             1 + floor(random() * 20)::int AS w1, 1 + floor(random() * 20)::int AS w2,
             1 + floor(random() * 20)::int AS w3, 1 + floor(random() * 12)::int AS w4
      FROM generate_series(1, :todo) AS i) s;

INSERT INTO nodes (id, tenant_id, kind, status, author_id, parent_id, position, published_at, created_at, updated_at)
SELECT n.id, t.id, n.kind, n.status, a.id, NULL, 0,
       CASE WHEN n.status <> 'draft' THEN n.created + (n.updated - n.created) / 2 END, n.created, n.updated
FROM bench_nodes n JOIN bench_authors a ON a.k = n.author_k, tenants t WHERE t.slug = 'acme';

CREATE TEMP TABLE bench_words ON COMMIT DROP AS
SELECT * FROM (VALUES
 (1, 'Quick', 'Schnelle', 'guide', 'Leitfaden', 'beginners', 'Einsteiger', 'tips', 'Tipps'),
 (2, 'Practical', 'Praktische', 'checklist', 'Checkliste', 'small teams', 'kleine Teams', 'lessons', 'Lektionen'),
 (3, 'Complete', 'Vollständige', 'introduction', 'Einführung', 'developers', 'Entwickler', 'mistakes', 'Fehler'),
 (4, 'Modern', 'Moderne', 'overview', 'Übersicht', 'editors', 'Redakteure', 'ideas', 'Ideen'),
 (5, 'Simple', 'Einfache', 'workflow', 'Arbeitsweise', 'shop owners', 'Shopbetreiber', 'steps', 'Schritte'),
 (6, 'Honest', 'Ehrliche', 'review', 'Bewertung', 'marketers', 'Vermarkter', 'questions', 'Fragen'),
 (7, 'Hidden', 'Versteckte', 'feature', 'Funktion', 'designers', 'Gestalter', 'tricks', 'Kniffe'),
 (8, 'Seasonal', 'Saisonale', 'collection', 'Kollektion', 'customers', 'Kunden', 'trends', 'Trends'),
 (9, 'Better', 'Bessere', 'product page', 'Produktseite', 'managers', 'Manager', 'rules', 'Regeln'),
 (10, 'Secure', 'Sichere', 'checkout', 'Kasse', 'admins', 'Administratoren', 'habits', 'Gewohnheiten'),
 (11, 'Faster', 'Schnellere', 'search', 'Suche', 'support staff', 'Support-Mitarbeiter', 'fixes', 'Korrekturen'),
 (12, 'Green', 'Grüne', 'shipping', 'Lieferung', 'partners', 'Partner', 'facts', 'Fakten'),
 (13, 'Weekly', 'Wöchentliche', 'newsletter', 'Rundbrief', 'subscribers', 'Abonnenten', 'highlights', 'Höhepunkte'),
 (14, 'Annual', 'Jährliche', 'report', 'Bericht', 'investors', 'Investoren', 'numbers', 'Zahlen'),
 (15, 'Friendly', 'Freundliche', 'onboarding', 'Einarbeitung', 'new hires', 'neue Kollegen', 'examples', 'Beispiele'),
 (16, 'Clear', 'Klare', 'pricing', 'Preisgestaltung', 'buyers', 'Käufer', 'answers', 'Antworten'),
 (17, 'Local', 'Lokale', 'event', 'Veranstaltung', 'neighbours', 'Nachbarn', 'moments', 'Momente'),
 (18, 'Mobile', 'Mobile', 'app', 'App', 'travellers', 'Reisende', 'shortcuts', 'Abkürzungen'),
 (19, 'Open', 'Offene', 'roadmap', 'Roadmap', 'contributors', 'Mitwirkende', 'plans', 'Pläne'),
 (20, 'Careful', 'Sorgfältige', 'migration', 'Umstellung', 'operators', 'Betreiber', 'warnings', 'Warnungen')
) AS w(k, adj_en, adj_de, noun_en, noun_de, aud_en, aud_de, tip_en, tip_de);

CREATE TEMP TABLE bench_tr ON COMMIT DROP AS
SELECT n.id AS node_id, n.kind, n.created, n.updated, l.locale, n.i,
       CASE l.locale
         WHEN 'en' THEN a.adj_en || ' ' || b.noun_en || ' for ' || c.aud_en || ': ' || (2 + n.w4) || ' ' || d.tip_en
         ELSE a.adj_de || ' ' || b.noun_de || ' für ' || c.aud_de || ': ' || (2 + n.w4) || ' ' || d.tip_de
       END AS title
FROM bench_nodes n
JOIN bench_words a ON a.k = n.w1 JOIN bench_words b ON b.k = n.w2
JOIN bench_words c ON c.k = n.w3 JOIN bench_words d ON d.k = 1 + (n.w1 + n.w3) % 20
CROSS JOIN (VALUES ('en'), ('de')) AS l(locale)
WHERE n.locs = 'both' OR n.locs = l.locale;

INSERT INTO node_translations (id, node_id, tenant_id, kind, locale, title, title_search, slug, excerpt, body, created_at, updated_at)
SELECT gen_random_uuid(), tr.node_id, t.id, tr.kind, tr.locale, tr.title, lower(tr.title),
       trim(both '-' from regexp_replace(lower(replace(replace(replace(replace(tr.title, 'ä', 'ae'), 'ö', 'oe'), 'ü', 'ue'), 'ß', 'ss')), '[^a-z0-9]+', '-', 'g')) || '-' || tr.i,
       left(tr.title || '. ' || repeat('A short summary of what this ' || tr.kind || ' covers and who it is for. ', 3), 300),
       '# ' || tr.title || E'\n\n' || repeat(E'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris.\n\n', 1 + tr.i % 8),
       tr.created, tr.updated
FROM bench_tr tr, tenants t WHERE t.slug = 'acme';
COMMIT;
VACUUM ANALYZE users;
VACUUM ANALYZE nodes;
VACUUM ANALYZE node_translations;
CHECKPOINT;
EOF

CAPTURE=false
CAPTURE_REPORT=()
if [[ -n $PG_LOG && -r $PG_LOG ]]; then
  CAPTURE=true
else
  SKIPPED+=("statement capture: PostgreSQL's log is not readable (set BENCH_PG_LOG), so there is no pgbench for the list (its SQL comes from the log)")
fi

# Results: A: key/round -> "value other% [CPU ms per op: server load-generator PostgreSQL+Redis]"
# (keys: app_full app_frag pg_full pg_frag req_full req_frag); B: key/clients/round -> as A (keys:
# go pg pgapp http); C: key/which/round -> "req/s p99 CPU-ms-per-request(server wrk db) other%".
declare -A A AP99 AP50 B BP99 C
# Shared by the parts: rows of a list page; the middleware's statements (a Perl regex: the
# session's user and the roles in the tenant) that pgbench leaves out of a page's SQL; the -D
# options of a derived script (vars_of ARRAY NAME); the outbox's column list.
PER_PAGE=50
MIDDLEWARE_SQL='FROM "users" WHERE id = |FROM "casbin_rule"'
vars_of() { mapfile -t "$1" <"$WORK/$2.vars"; }
EVENT_COLUMNS='"id","event_type","schema_version","tenant_id","aggregate_type","aggregate_id","actor_id","correlation_id","causation_id","payload"'
if part A; then
# ---------------------------------------------------------------------------------------------
# A. The node list
LIST_DB=rustok_bench_$$_list
log "== A. seeding $NODES nodes into $LIST_DB (bin/rustok seed, then $WORK/seed.sql)"
pg_create "$LIST_DB"
(cd "$WORK" && DATABASE_URL=$(pg_url "$LIST_DB") "$BIN" seed) >"$WORK/seed-list.log" 2>&1 ||
  { cat "$WORK/seed-list.log" >&2; die "seed failed"; }
t0=$(now_s)
psqlq -d "$LIST_DB" -v nodes="$NODES" -f "$WORK/seed.sql" >/dev/null || die "seeding nodes failed"
SEED_S=$(awk -v a="$t0" -v b="$(now_s)" 'BEGIN {printf "%.1f", b - a}')
read -r TENANT_ID ADMIN_ID <<<"$(psqlq -d "$LIST_DB" -Atc "SELECT t.id, u.id FROM tenants t, users u WHERE t.slug = 'acme' AND lower(u.email) = lower('$RUSTOK_ADMIN_EMAIL')" | tr '|' ' ')"
SEEDED=$(psqlq -d "$LIST_DB" -Atc "SELECT (SELECT count(*) FROM nodes n JOIN tenants t ON t.id = n.tenant_id WHERE t.slug = 'acme') || ' nodes, ' || (SELECT count(*) FROM node_translations) || ' translations (' || (SELECT count(*) FILTER (WHERE locale = 'de') FROM node_translations) || ' de), ' || (SELECT count(DISTINCT author_id) FROM nodes) || ' authors; ' || (SELECT string_agg(status || ' ' || c, ', ' ORDER BY status) FROM (SELECT status, count(*) c FROM nodes GROUP BY status) s)")
log "   $SEEDED — in $SEED_S s"
[[ -n $TENANT_ID && -n $ADMIN_ID ]] || die "no tenant acme or no super admin after seeding"

# The SQL pgbench runs for the list is not written here: it is the app's own, read back from
# PostgreSQL's log (bench/capture.pl, below) with the values of page 1, so a change of ListNodes'
# SQL needs no change of this script. list_*.sql are the page's statements without those of the
# middleware (MIDDLEWARE_SQL, a Perl regex: the session's user and the roles in the tenant, which
# also tell whether the user is a super admin); request_*.sql are all of them. Once signed-in GETs
# read the user and memberships from the per-process cache, both are the same.
# Statement capture: which statements each request runs, and whether pgbench sends the same.
check_same_sql() { # check_same_sql LABEL SCRIPT CAPTURED: every statement of SCRIPT is among CAPTURED
  local label=$1 missing=0 stmt
  while IFS= read -r stmt; do
    grep -qxF -- "$stmt" "$3" || { log "   NOT SENT BY THE APP: $stmt"; missing=$((missing + 1)); }
  done < <(to_pg "$2")
  if ((missing)); then
    CAPTURE_REPORT+=("$label: $missing pgbench statement(s) differ from what the app sent — see the log above")
    INVALID+=("$label: the pgbench SQL is not the app's")
  else
    CAPTURE_REPORT+=("$label: pgbench sends exactly the app's SQL text ($(to_pg "$2" | wc -l) statements)")
  fi
}
if $CAPTURE; then
  log "== A. capturing the statements of one full page and one fragment (log_statement = all on $LIST_DB only)"
  capture_start "$LIST_DB"
  start_server "$LIST_DB" "$WORK/serve-capture-list.log"
  sign_in "$WORK/jar-capture-list"
  http -o /dev/null -H "Cookie: $COOKIE" "$BASE/t/acme/nodes" # the first use prepares the statements
  # The server keeps a list page for summary.MaxAge (5 s) unless an event comes: each captured
  # request waits past that, so it reads the database as a request after a change would.
  sleep 5.3; m0=$(capture_mark)
  http -o /dev/null -H "Cookie: $COOKIE" "$BASE/t/acme/nodes"
  sleep 5.3; m1=$(capture_mark)
  http -o /dev/null -H "Cookie: $COOKIE" -H 'HX-Request: true' "$BASE/t/acme/nodes"
  sleep 0.3; m2=$(capture_mark)
  stop_server "$LIST_DB"
  capture_end "$LIST_DB"
  log_slice "$m0" "$m1" >"$WORK/log-full.txt"
  log_slice "$m1" "$m2" >"$WORK/log-fragment.txt"
  for kind in full fragment; do
    perl bench/capture.pl "$LIST_DB" "$WORK/request_$kind.sql" "$WORK/request_$kind.vars" <"$WORK/log-$kind.txt" >"$WORK/captured-$kind.txt" ||
      die "could not read the $kind page's statements from $PG_LOG"
    perl bench/capture.pl "$LIST_DB" "$WORK/list_$kind.sql" "$WORK/list_$kind.vars" "$MIDDLEWARE_SQL" <"$WORK/log-$kind.txt" >/dev/null
  done
  if [[ ! -s $WORK/captured-full.txt ]]; then
    CAPTURE=false
    SKIPPED+=("statement capture: nothing of $LIST_DB in $PG_LOG (is it the server's log? set BENCH_PG_LOG); no pgbench for the list")
  else
    for kind in full fragment; do
      log "   GET /t/acme/nodes ($kind) ran $(wc -l <"$WORK/captured-$kind.txt") statements ($(grep -c . "$WORK/list_$kind.vars" | awk '{print $1 / 2}') values); pgbench's list_$kind.sql has $(to_pg "$WORK/list_$kind.sql" | wc -l) of them:"
      cut -c1-150 "$WORK/captured-$kind.txt" | sed 's/^/     /' >&2
    done
    CAPTURE_REPORT+=("GET /t/acme/nodes: full page $(wc -l <"$WORK/captured-full.txt") statements, fragment $(wc -l <"$WORK/captured-fragment.txt") (relay polls left out); pgbench runs them from the log, without the middleware's $(( $(wc -l <"$WORK/captured-full.txt") - $(to_pg "$WORK/list_full.sql" | wc -l) ))")
    check_same_sql "list, full page" "$WORK/list_full.sql" "$WORK/captured-full.txt"
    check_same_sql "list, fragment" "$WORK/list_fragment.sql" "$WORK/captured-fragment.txt"
    check_same_sql "whole request, full page" "$WORK/request_full.sql" "$WORK/captured-full.txt"
  fi
fi

log "== A. the list under load: $ROUNDS rounds, order alternating (app first in odd rounds)"
start_server "$LIST_DB" "$WORK/serve-list.log"
sign_in "$WORK/jar-list"
page=$(http -H "Cookie: $COOKIE" "$BASE/t/acme/nodes")
rows=$(grep -o 'data-testid="node-row"' <<<"$page" | wc -l || true)
((rows == PER_PAGE)) || die "the full page shows $rows rows, want $PER_PAGE"
grep -q '<html' <<<"$page" || die "the full page has no <html>"
PAGE_INFO=$(grep -o 'data-testid="page-info">[^<]*' <<<"$page" | head -n1 | sed 's/.*>//' || true)
# The exact count ("… · 10000 items"), or a bounded one once the list counts at most 1,001 rows
# ("1000+"-like); anything else is reported, not fatal: the seed's own count is in the report.
[[ $PAGE_INFO == *" $NODES items"* || $PAGE_INFO =~ [0-9]\+ || $PAGE_INFO =~ [Mm]ore ]] ||
  log "   NOTE: the page info reads \"$PAGE_INFO\"; the seed put $NODES nodes into acme"
FULL_BYTES=${#page}
page=$(http -H "Cookie: $COOKIE" -H 'HX-Request: true' "$BASE/t/acme/nodes")
rows=$(grep -o 'data-testid="node-row"' <<<"$page" | wc -l || true)
((rows == PER_PAGE)) || die "the fragment shows $rows rows, want $PER_PAGE"
! grep -q '<html' <<<"$page" || die "the fragment is a whole page"
FRAG_BYTES=${#page}
log "   full page: $FULL_BYTES bytes, fragment: $FRAG_BYTES bytes, both with $PER_PAGE rows; \"$PAGE_INFO\""
for _ in 1 2 3 4 5; do http -o /dev/null -H "Cookie: $COOKIE" "$BASE/t/acme/nodes"; done # warm-up

a_app() {
  run_wrk "list-full-$1" GET 200 "$LIST_CLIENTS" "$BASE/t/acme/nodes" -H "Cookie: $COOKIE"
  A[app_full/$1]="$W_RPS $W_OTHER $W_CPU"; AP50[full/$1]=$W_P50; AP99[full/$1]=$W_P99
  run_wrk "list-fragment-$1" GET 200 "$LIST_CLIENTS" "$BASE/t/acme/nodes" -H "Cookie: $COOKIE" -H 'HX-Request: true'
  A[app_frag/$1]="$W_RPS $W_OTHER $W_CPU"; AP50[frag/$1]=$W_P50; AP99[frag/$1]=$W_P99
}
a_pg() {
  $CAPTURE || return 0
  local LIST_FULL_VARS LIST_FRAG_VARS REQ_FULL_VARS REQ_FRAG_VARS
  vars_of LIST_FULL_VARS list_full; vars_of LIST_FRAG_VARS list_fragment
  vars_of REQ_FULL_VARS request_full; vars_of REQ_FRAG_VARS request_fragment
  run_pgbench "list-full-$1" "$LIST_DB" "$WORK/list_full.sql" "$LIST_CLIENTS" "${LIST_FULL_VARS[@]}"
  A[pg_full/$1]="$P_TPS $P_OTHER $P_CPU"
  run_pgbench "list-fragment-$1" "$LIST_DB" "$WORK/list_fragment.sql" "$LIST_CLIENTS" "${LIST_FRAG_VARS[@]}"
  A[pg_frag/$1]="$P_TPS $P_OTHER $P_CPU"
  run_pgbench "request-full-$1" "$LIST_DB" "$WORK/request_full.sql" "$LIST_CLIENTS" "${REQ_FULL_VARS[@]}"
  A[req_full/$1]="$P_TPS $P_OTHER $P_CPU"
  run_pgbench "request-fragment-$1" "$LIST_DB" "$WORK/request_fragment.sql" "$LIST_CLIENTS" "${REQ_FRAG_VARS[@]}"
  A[req_frag/$1]="$P_TPS $P_OTHER $P_CPU"
}
for r in $(seq 1 "$ROUNDS"); do
  log "== A. round $r/$ROUNDS"
  if ((r % 2)); then a_app "$r"; a_pg "$r"; else a_pg "$r"; a_app "$r"; fi
done
stop_server "$LIST_DB"

fi # part A
# POST /t/acme/nodes as the create form sends it, each request a new title (wrk Lua).
cat >"$WORK/create.lua" <<'EOF'
-- args: nonce, CSRF token, body (each request: a new title)
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
function init(args)
  nonce, csrf, body = args[1], urlencode(args[2]), urlencode(args[3])
  counter = 0
  wrk.method, wrk.path = "POST", "/t/acme/nodes"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded" -- with the -H Cookie and Host
end
function request()
  counter = counter + 1
  local title = "Benchmark+post+" .. nonce .. "-" .. tid .. "-" .. counter
  local form = "_csrf=" .. csrf .. "&kind=post&parent_id=&position=0&t.en.title=" .. title ..
    "&t.en.slug=&t.en.excerpt=&t.en.body=" .. body .. "&t.de.title=&t.de.slug=&t.de.excerpt=&t.de.body="
  return wrk.format(nil, nil, nil, form)
end
EOF
undispatched() { psqlq -d "$HTTP_DB" -Atc "SELECT count(*) FROM sys_events WHERE status <> 'dispatched'"; }

if part B; then
# ---------------------------------------------------------------------------------------------
# B. Creating a node
# pgbench writes into CREATE_DB, where no server runs: a relay would claim its events and compete
# with it (the Go benchmark's databases have no relay either). POST /t/acme/nodes goes to a fresh
# database per round, whose server relays its own events, as in production.
CREATE_DB=rustok_bench_$$_create
seeded_db() { # seeded_db NAME: a fresh database with bin/rustok seed (acme with en, de; the super admin)
  pg_create "$1"
  (cd "$WORK" && DATABASE_URL=$(pg_url "$1") "$BIN" seed) >"$WORK/seed-$1.log" 2>&1 ||
    { cat "$WORK/seed-$1.log" >&2; die "seed of $1 failed"; }
}
log "== B. creating nodes: $CREATE_DB for pgbench (bin/rustok seed: tenant acme with en, de and the super admin)"
seeded_db "$CREATE_DB"
read -r C_TENANT C_ADMIN <<<"$(psqlq -d "$CREATE_DB" -Atc "SELECT t.id, u.id FROM tenants t, users u WHERE t.slug = 'acme' AND lower(u.email) = lower('$RUSTOK_ADMIN_EMAIL')" | tr '|' ' ')"
[[ -n $C_TENANT && -n $C_ADMIN ]] || die "no tenant acme or no super admin in $CREATE_DB"

# pgbench cannot make UUIDs, so each id is built in SQL from the client's counter: 12 hex digits
# of the run's start time (ms), 14 of the counter, 4 of the client, 2 naming the row, which makes
# them grow with time as the app's UUIDv7s do. Slugs and titles carry the same run and counter.
NID="(:run || lpad(to_hex(:n::bigint), 14, '0') || lpad(to_hex(:client_id::int), 4, '0') || '01')::uuid"
TID="(:run || lpad(to_hex(:n::bigint), 14, '0') || lpad(to_hex(:client_id::int), 4, '0') || '02')::uuid"
E1="(:run || lpad(to_hex(:n::bigint), 14, '0') || lpad(to_hex(:client_id::int), 4, '0') || '03')::uuid"
E2="(:run || lpad(to_hex(:n::bigint), 14, '0') || lpad(to_hex(:client_id::int), 4, '0') || '04')::uuid"
TITLE="('Benchmark post ' || :run || '-' || :client_id || '-' || :n)"
SLUG="('benchmark-post-' || :run || '-' || :client_id || '-' || :n)"
NID_TEXT="(:run || lpad(to_hex(:n::bigint), 14, '0') || lpad(to_hex(:client_id::int), 4, '0') || '01')::uuid::text"
SLUG_CHECK="SELECT count(*) FROM \"node_translations\" WHERE tenant_id = :tenant AND kind = 'post' AND locale = 'en' AND slug = $SLUG AND node_id <> $NID;"
# The outbox's one statement (internal/events insertRows): the events' rows, stamped in SQL. The
# node is born in this transaction, so the outbox takes no advisory lock for it.
# The statements CreateNode sends after its slug check, with the same column lists (checked
# against the app's below).
INSERTS=$(cat <<EOF
INSERT INTO "nodes" ("id","tenant_id","kind","status","author_id","parent_id","position","published_at","version","created_at","updated_at") VALUES ($NID, :tenant, 'post', 'draft', :author, NULL, 0, NULL, 1, now(), now());
INSERT INTO "node_translations" ("id","node_id","tenant_id","kind","locale","title","title_search","slug","excerpt","body","created_at","updated_at") VALUES ($TID, $NID, :tenant, 'post', 'en', $TITLE, lower($TITLE), $SLUG, '', $BODY_SQL, now(), now());
WITH stamped AS (SELECT clock_timestamp() AS at) INSERT INTO "sys_events" ($EVENT_COLUMNS,"occurred_at","next_attempt_at") SELECT v.*, s.at, s.at FROM stamped AS s, (VALUES ($E1, 'node.created'::text, 1, :tenant::uuid, 'node'::text, $NID, :author::uuid, :corr::text, NULL::uuid, ('{"kind": "post", "status": "draft", "node_id": "' || $NID_TEXT || '", "author_id": "' || :author || '"}')::jsonb),($E2, 'node.translation_updated', 1, :tenant::uuid, 'node', $NID, :author::uuid, :corr::text, NULL::uuid, ('{"locale": "en", "changes": {"body": {"new": "$BODY_JSON", "old": ""}, "slug": {"new": "' || $SLUG || '", "old": ""}, "title": {"new": "' || $TITLE || '", "old": ""}}, "node_id": "' || $NID_TEXT || '"}')::jsonb)) AS v($EVENT_COLUMNS) RETURNING "occurred_at";
EOF
)
printf '\\set n :n + 1\nBEGIN;\n%s\nCOMMIT;\n' "$INSERTS" >"$WORK/create_inserts.sql"
printf '\\set n :n + 1\nBEGIN;\n%s\n%s\nCOMMIT;\n' "$SLUG_CHECK" "$INSERTS" >"$WORK/create_app.sql"
create_vars() { # create_vars: pgbench variables of one run (a new run id, so slugs never clash)
  local run
  run=$(printf '%012x' "$(date +%s%3N)")
  CREATE_VARS=(-D n=0 -D "run=$run" -D "tenant=$C_TENANT" -D "author=$C_ADMIN" -D corr=5f0c2a8e-3d1b-4c55-9a57-0b6f3e2d9c41)
  sleep 0.002 # the next run gets another millisecond
}


if $CAPTURE; then
  HTTP_DB=rustok_bench_$$_http_capture
  log "== B. capturing the statements of one POST /t/acme/nodes (log_statement = all on $HTTP_DB only)"
  seeded_db "$HTTP_DB"
  capture_start "$HTTP_DB"
  start_server "$HTTP_DB" "$WORK/serve-capture-create.log"
  sign_in "$WORK/jar-capture-create"
  post_once() { # post_once TITLE: POST the create form, expect 303
    local code
    code=$(http -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" --data-urlencode "_csrf=$CSRF_TOKEN" \
      --data-urlencode kind=post --data-urlencode "t.en.title=$1" --data-urlencode "t.en.body=$BODY" "$BASE/t/acme/nodes")
    [[ $code == 303 ]] || die "POST /t/acme/nodes answered $code, want 303"
  }
  post_once "Capture warm-up"
  sleep 0.5; m0=$(capture_mark)
  post_once "Capture post"
  sleep 0.5; m1=$(capture_mark)
  stop_server "$HTTP_DB"
  capture_end "$HTTP_DB"
  statements_between "$HTTP_DB" "$m0" "$m1" >"$WORK/captured-create-all.txt"
  pg_drop "$HTTP_DB"
  # The request's own statements: the relay's dispatch transactions (begin, the update that is
  # left out already, commit) come after the request's commit.
  awk '{print} /^commit$/ {exit}' "$WORK/captured-create-all.txt" >"$WORK/captured-create.txt"
  log "   POST /t/acme/nodes ran $(wc -l <"$WORK/captured-create.txt") statements (relay work after the commit: $(($(wc -l <"$WORK/captured-create-all.txt") - $(wc -l <"$WORK/captured-create.txt"))) more lines):"
  cut -c1-150 "$WORK/captured-create.txt" | sed 's/^/     /' >&2
  CAPTURE_REPORT+=("POST /t/acme/nodes: $(wc -l <"$WORK/captured-create.txt") statements up to its commit (relay polls left out)")
  # Column lists and statement shapes: everything up to VALUES, and the outbox's WITH clause.
  missing=0
  while IFS= read -r stmt; do
    grep -qF -- "$stmt" "$WORK/captured-create.txt" || { log "   NOT SENT BY THE APP: $stmt"; missing=$((missing + 1)); }
  done < <(grep -o '^INSERT INTO "[a-z_]*" ([^)]*) VALUES' "$WORK/create_app.sql"
    echo "WITH stamped AS (SELECT clock_timestamp() AS at) INSERT INTO \"sys_events\" ($EVENT_COLUMNS,\"occurred_at\",\"next_attempt_at\") SELECT v.*, s.at, s.at FROM stamped AS s, (VALUES "
    echo 'SELECT count(*) FROM "node_translations" WHERE tenant_id = $1 AND kind = $2 AND locale = $3 AND slug = $4 AND node_id <> $5')
  if ((missing)); then
    CAPTURE_REPORT+=("create: $missing pgbench statement shapes differ from the app's — see the log above")
    INVALID+=("create: the pgbench SQL is not the app's")
  else
    CAPTURE_REPORT+=("create: pgbench sends the app's tables, column lists, outbox statement and slug check (values computed in SQL, see the script)")
  fi
fi

b_go() {
  local out=$WORK/go-create-$1.txt c
  log "-- BenchmarkCreateNode, round $1: TEST_DB=postgres BENCH_CREATE_CLIENTS=$CREATE_CLIENTS bench.test -test.run '^\$' -test.bench '^BenchmarkCreateNode\$' -test.benchtime $DURATION"
  GO_DBS_BEFORE=$(test_dbs; echo "-") # never empty while the benchmark runs
  measure "BenchmarkCreateNode" "$out" env -C "$ROOT/bench" TEST_DB=postgres BENCH_CREATE_CLIENTS="$CREATE_CLIENTS" \
    "$BENCH_TEST" -test.run '^$' -test.bench '^BenchmarkCreateNode$' -test.benchtime "$DURATION"
  GO_DBS_BEFORE=
  grep -E '^Benchmark|^(ok|PASS|FAIL)' "$out" | sed 's/^/   /' >&2
  for c in "${CREATE_CS[@]}"; do
    local v
    v=$(awk -v n="BenchmarkCreateNode/clients_$c" '$1 == n || index($1, n "-") == 1 {
      for (i = 2; i < NF; i++) if ($(i + 1) == "creates/s") {printf "%.0f", $i; exit}}' "$out")
    [[ -n $v ]] || die "no creates/s for clients_$c in the Go benchmark output"
    B[go/$c/$1]="$v $M_OTHER"
  done
}
b_pg() {
  local c
  for c in "${CREATE_CS[@]}"; do
    create_vars
    run_pgbench "create-inserts-c$c-$1" "$CREATE_DB" "$WORK/create_inserts.sql" "$c" "${CREATE_VARS[@]}"
    B[pg/$c/$1]="$P_TPS $P_OTHER $P_CPU"
    create_vars
    run_pgbench "create-app-c$c-$1" "$CREATE_DB" "$WORK/create_app.sql" "$c" "${CREATE_VARS[@]}"
    B[pgapp/$c/$1]="$P_TPS $P_OTHER $P_CPU"
  done
}
# b_http ROUND: POST /t/acme/nodes under wrk against a fresh database and server; then waits (at
# most 60 s) for the relay to deliver the events, so that it does not run into the next
# measurement, and stops the server (and its relay) either way.
b_http() {
  HTTP_DB=rustok_bench_$$_http_$1
  seeded_db "$HTTP_DB"
  start_server "$HTTP_DB" "$WORK/serve-create-$1.log"
  sign_in "$WORK/jar-create-$1"
  run_wrk "create-http-$1" POST 303 "$HTTP_CLIENTS" "$BASE/t/acme/nodes" -H "Cookie: $COOKIE" \
    -s "$WORK/create.lua" -- "r$1x$$" "$CSRF_TOKEN" "$BODY"
  B[http/$HTTP_CLIENTS/$1]="$W_RPS $W_OTHER $W_CPU"; BP99[http/$1]=$W_P99
  local backlog left t0=$SECONDS
  backlog=$(undispatched)
  left=$backlog
  while ((left > 0 && SECONDS - t0 < 60)); do sleep 0.5; left=$(undispatched); done
  if ((left == 0)); then
    log "   relay backlog when wrk ended: $backlog events, delivered $((SECONDS - t0)) s later"
    BACKLOGS+=("round $1: $backlog left when wrk ended, delivered ≤ $((SECONDS - t0 + 1)) s later")
  else
    log "   relay backlog when wrk ended: $backlog events; $left still undelivered after 60 s (see slow queries in the server log):"
    grep -m3 'slow query' "$WORK/serve-create-$1.log" | cut -c1-160 | sed 's/^/     /' >&2 || true
    BACKLOGS+=("round $1: $backlog left when wrk ended, $left STILL UNDELIVERED 60 s later")
  fi
  stop_server "$HTTP_DB"
  pg_drop "$HTTP_DB"
}
BACKLOGS=()
log "== B. $ROUNDS rounds, order alternating (app first in odd rounds)"
for r in $(seq 1 "$ROUNDS"); do
  log "== B. round $r/$ROUNDS"
  if ((r % 2)); then b_go "$r"; b_http "$r"; b_pg "$r"; else b_pg "$r"; b_http "$r"; b_go "$r"; fi
done
CREATED=$(psqlq -d "$CREATE_DB" -Atc "SELECT count(*) || ' nodes, ' || (SELECT count(*) FROM sys_events WHERE aggregate_type = 'node') || ' node events' FROM nodes")
fi # part B


# ---------------------------------------------------------------------------------------------
# C. The request path (issue 12): this code against the baseline binary, back to back
if part C; then
  CMP_CLIENTS=${BENCH_COMPARE_CLIENTS:-16}
  # c_seed BIN DB: a fresh database seeded by BIN (its own migrations), topped up to NODES nodes
  c_seed() {
    pg_create "$2"
    (cd "$WORK" && DATABASE_URL=$(pg_url "$2") "$1" seed) >"$WORK/seed-$2.log" 2>&1 || { cat "$WORK/seed-$2.log" >&2; die "seed of $2 failed"; }
    psqlq -d "$2" -v nodes="$NODES" -f "$WORK/seed.sql" >/dev/null || die "seeding nodes into $2 failed"
  }
  # c_run WHICH ROUND: list, fragment and dashboard on WHICH's list database, then the create on
  # a fresh one (so the list never sees created nodes), each with a server of WHICH's binary.
  c_run() {
    local which=$1 r=$2 db=rustok_bench_$$_c_$1 cdb=rustok_bench_$$_c_$1_create_$2
    SBIN=${CMP_BIN[$which]}
    log "== C. round $r/$ROUNDS: $which ($("$SBIN" version))"
    start_server "$db" "$WORK/serve-c-$which-$r.log"
    sign_in "$WORK/jar-c-$which-$r"
    for _ in 1 2 3 4 5; do http -o /dev/null -H "Cookie: $COOKIE" "$BASE/t/acme/nodes"; http -o /dev/null -H "Cookie: $COOKIE" "$BASE/t/acme/"; done
    run_wrk "c-list-full-$which-$r" GET 200 "$CMP_CLIENTS" "$BASE/t/acme/nodes" -H "Cookie: $COOKIE"
    C[list_full/$which/$r]="$W_RPS $W_P99 $W_CPU $W_OTHER"
    run_wrk "c-list-fragment-$which-$r" GET 200 "$CMP_CLIENTS" "$BASE/t/acme/nodes" -H "Cookie: $COOKIE" -H 'HX-Request: true'
    C[list_frag/$which/$r]="$W_RPS $W_P99 $W_CPU $W_OTHER"
    ROUTE=/t/:slug/ run_wrk "c-dashboard-$which-$r" GET 200 "$CMP_CLIENTS" "$BASE/t/acme/" -H "Cookie: $COOKIE"
    C[dashboard/$which/$r]="$W_RPS $W_P99 $W_CPU $W_OTHER"
    stop_server "$db"
    c_seed "$SBIN" "$cdb"
    start_server "$cdb" "$WORK/serve-c-create-$which-$r.log"
    sign_in "$WORK/jar-c-create-$which-$r"
    run_wrk "c-create-$which-$r" POST 303 "$CMP_CLIENTS" "$BASE/t/acme/nodes" -H "Cookie: $COOKIE" \
      -s "$WORK/create.lua" -- "c$r$which$$" "$CSRF_TOKEN" "$BODY"
    C[create/$which/$r]="$W_RPS $W_P99 $W_CPU $W_OTHER"
    HTTP_DB=$cdb # the relay delivers the backlog (at most 60 s) before the next measurement
    local t0=$SECONDS
    while (($(undispatched) > 0 && SECONDS - t0 < 60)); do sleep 0.5; done
    log "   relay backlog after the create: $(undispatched) events left $((SECONDS - t0)) s later"
    stop_server "$cdb"
    pg_drop "$cdb"
    SBIN=$BIN
  }
  declare -A CMP_BIN=([now]="$BIN" [base]="$BASE_BIN")
  log "== C. seeding $NODES nodes for each binary"
  for which in base now; do c_seed "${CMP_BIN[$which]}" "rustok_bench_$$_c_$which"; done
  SEEDED_C="$NODES nodes in acme"
  for r in $(seq 1 "$ROUNDS"); do
    if ((r % 2)); then c_run base "$r"; c_run now "$r"; else c_run now "$r"; c_run base "$r"; fi
  done
  for which in base now; do pg_drop "rustok_bench_$$_c_$which"; done
fi
declare -A CMP_NAMES=([list_full]="list, full page" [list_frag]="list, htmx fragment" [dashboard]="dashboard GET /t/acme/" [create]="node create (POST)")
declare -A CMP_GOALS=([list_full]=3 [list_frag]=3 [dashboard]=2 [create]=1.5)
c_med() { local r; for r in $(seq 1 "$ROUNDS"); do [[ -z ${C[$1/$r]:-} ]] || awk -v f="$2" '{print $f}' <<<"${C[$1/$r]}"; done | median; }
c_rounds() { local r s=""; for r in $(seq 1 "$ROUNDS"); do [[ -z ${C[$1/$r]:-} ]] || s="$s${s:+  }$(awk '{printf "%s/%s/%s%%", $1, $2, $6}' <<<"${C[$1/$r]}")"; done; echo "$s"; }

# ---------------------------------------------------------------------------------------------
# D. The products list (issue 13): PRODUCTS products with 3 variants each in acme
PRODUCTS=${BENCH_CATALOG_PRODUCTS:-10000}
GOAL_PRODUCTS=0.5
GOAL_STOCK=0.6
declare -A D
# The seed: bin/rustok seed's demo products topped up to PRODUCTS, each with Size S/M/L (SKU,
# barcode, stock 0–39, 8% out of stock), prices in EUR and USD, English titles (half also
# German); 70% active, 20% draft, 10% archived; 12 vendors and 8 types; updated over two years.
# Plain INSERTs (the list reads no events), then VACUUM ANALYZE and a CHECKPOINT.
cat >"$WORK/products.sql" <<'EOF'
\set ON_ERROR_STOP on
SELECT :products - count(*) AS todo FROM products p JOIN tenants t ON t.id = p.tenant_id WHERE t.slug = 'acme' \gset
BEGIN;
SELECT setseed(0.42);
CREATE TEMP TABLE bench_products ON COMMIT DROP AS
SELECT i, gen_random_uuid() AS id,
       CASE WHEN r_status < 0.7 THEN 'active' WHEN r_status < 0.9 THEN 'draft' ELSE 'archived' END AS status,
       (ARRAY['Northwind', 'Acme Outfitters', 'Fjell', 'Kestrel', 'Lumen', 'Oakridge', 'Pioneer', 'Quartz',
              'Riverside', 'Summit', 'Tundra', 'Vela'])[1 + floor(r_vendor * 12)::int] AS vendor,
       (ARRAY['Jacket', 'Shirt', 'Trousers', 'Boots', 'Bag', 'Hat', 'Scarf', 'Gloves'])[1 + floor(r_type * 8)::int] AS ptype,
       r_de < 0.5 AS has_de, created, created + updated_after * interval '1 day' AS updated,
       (ARRAY['Warm', 'Light', 'Classic', 'Rugged', 'Soft', 'Urban', 'Alpine', 'Coastal', 'Everyday', 'Travel',
              'Heritage', 'Studio'])[w1] AS adj,
       (ARRAY['wool', 'linen', 'cotton', 'leather', 'canvas', 'down', 'denim', 'fleece', 'silk', 'tweed',
              'nylon', 'cashmere'])[w2] AS material
FROM (SELECT i, random() AS r_status, random() AS r_vendor, random() AS r_type, random() AS r_de,
             now() - (random() * 730) * interval '1 day' AS created, random() * 60 AS updated_after,
             1 + floor(random() * 12)::int AS w1, 1 + floor(random() * 12)::int AS w2
      FROM generate_series(1, :todo) AS i) s;
INSERT INTO products (id, tenant_id, status, vendor, product_type, options, published_at, version, created_at, updated_at)
SELECT b.id, t.id, b.status, b.vendor, b.ptype, '[{"name":"Size","values":["S","M","L"]}]',
       CASE WHEN b.status <> 'draft' THEN b.created END, 1, b.created, b.updated
FROM bench_products b, tenants t WHERE t.slug = 'acme';
INSERT INTO product_translations (id, product_id, tenant_id, locale, title, title_search, handle, description, created_at, updated_at)
SELECT gen_random_uuid(), b.id, t.id, l.locale, l.title, lower(l.title),
       trim(both '-' from regexp_replace(lower(l.title), '[^a-z0-9]+', '-', 'g')),
       'A ' || lower(b.adj) || ' ' || lower(b.ptype) || ' in ' || b.material || '. Cut for every day, made to last.', b.created, b.updated
FROM bench_products b, tenants t,
     LATERAL (VALUES ('en', b.adj || ' ' || b.material || ' ' || lower(b.ptype) || ' ' || b.i),
                     ('de', b.material || '-' || b.ptype || ' ' || b.i)) AS l(locale, title)
WHERE t.slug = 'acme' AND (l.locale = 'en' OR b.has_de);
CREATE TEMP TABLE bench_variants ON COMMIT DROP AS
SELECT gen_random_uuid() AS id, b.id AS product_id, b.i, s.k, s.size, b.created, b.updated,
       CASE WHEN random() < 0.08 THEN 0 ELSE floor(random() * 40)::bigint END AS qty
FROM bench_products b CROSS JOIN (VALUES (0, 'S'), (1, 'M'), (2, 'L')) AS s(k, size);
INSERT INTO product_variants (id, product_id, tenant_id, sku, barcode, option1, position, inventory_policy,
                              inventory_quantity, low_stock_threshold, version, created_at, updated_at)
SELECT v.id, v.product_id, t.id, 'BN-' || v.i || '-' || v.size, lpad((v.i * 3 + v.k)::text, 13, '0'), v.size, v.k,
       'deny', v.qty, 5, 1, v.created, v.updated
FROM bench_variants v, tenants t WHERE t.slug = 'acme';
INSERT INTO variant_prices (variant_id, tenant_id, currency, amount, compare_at_amount, updated_at)
SELECT v.id, t.id, c.cur, (1000 + (v.i % 200) * 50 + v.k * 200) * c.pct / 100, NULL, v.updated
FROM bench_variants v, tenants t, (VALUES ('USD', 100), ('EUR', 92)) AS c(cur, pct) WHERE t.slug = 'acme';
COMMIT;
VACUUM ANALYZE products;
VACUUM ANALYZE product_translations;
VACUUM ANALYZE product_variants;
VACUUM ANALYZE variant_prices;
CHECKPOINT;
EOF

if part D; then
PROD_DB=rustok_bench_$$_products
log "== D. seeding $PRODUCTS products into $PROD_DB (bin/rustok seed, then $WORK/products.sql)"
pg_create "$PROD_DB"
(cd "$WORK" && DATABASE_URL=$(pg_url "$PROD_DB") "$BIN" seed) >"$WORK/seed-products.log" 2>&1 ||
  { cat "$WORK/seed-products.log" >&2; die "seed failed"; }
psqlq -d "$PROD_DB" -v products="$PRODUCTS" -f "$WORK/products.sql" >/dev/null || die "seeding products failed"
SEEDED_D=$(psqlq -d "$PROD_DB" -Atc "SELECT (SELECT count(*) FROM products) || ' products, ' || (SELECT count(*) FROM product_variants) || ' variants, ' || (SELECT count(*) FROM variant_prices) || ' prices, ' || (SELECT count(*) FROM product_translations) || ' translations'")
log "   $SEEDED_D"
PRODUCTS_PATH=/t/acme/products
if $CAPTURE; then
  log "== D. capturing the statements of one products page and one fragment (log_statement = all on $PROD_DB only)"
  capture_start "$PROD_DB"
  start_server "$PROD_DB" "$WORK/serve-capture-products.log"
  sign_in "$WORK/jar-capture-products"
  http -o /dev/null -H "Cookie: $COOKIE" "$BASE$PRODUCTS_PATH" # the first use prepares the statements
  sleep 0.3; m0=$(capture_mark)
  http -o /dev/null -H "Cookie: $COOKIE" "$BASE$PRODUCTS_PATH"
  sleep 0.3; m1=$(capture_mark)
  http -o /dev/null -H "Cookie: $COOKIE" -H 'HX-Request: true' "$BASE$PRODUCTS_PATH"
  sleep 0.3; m2=$(capture_mark)
  stop_server "$PROD_DB"
  capture_end "$PROD_DB"
  log_slice "$m0" "$m1" >"$WORK/log-products-full.txt"
  log_slice "$m1" "$m2" >"$WORK/log-products-fragment.txt"
  for kind in full fragment; do
    perl bench/capture.pl "$PROD_DB" "$WORK/products_$kind.sql" "$WORK/products_$kind.vars" "$MIDDLEWARE_SQL" \
      <"$WORK/log-products-$kind.txt" >"$WORK/captured-products-$kind.txt" || die "could not read the products page's statements"
    log "   GET $PRODUCTS_PATH ($kind) ran $(wc -l <"$WORK/captured-products-$kind.txt") statements (the middleware's left out):"
    cut -c1-150 "$WORK/captured-products-$kind.txt" | sed 's/^/     /' >&2
  done
  CAPTURE_REPORT+=("GET $PRODUCTS_PATH: full page $(wc -l <"$WORK/captured-products-full.txt") statements, fragment $(wc -l <"$WORK/captured-products-fragment.txt") (middleware's and relay polls left out); pgbench runs them from the log")
fi
start_server "$PROD_DB" "$WORK/serve-products.log"
sign_in "$WORK/jar-products"
page=$(http -H "Cookie: $COOKIE" "$BASE$PRODUCTS_PATH")
rows=$(grep -o 'data-testid="product-row"' <<<"$page" | wc -l || true)
((rows == PER_PAGE)) || die "the products page shows $rows rows, want $PER_PAGE"
D_INFO=$(grep -o 'data-testid="page-info">[^<]*' <<<"$page" | head -n1 | sed 's/.*>//' || true)
for _ in 1 2 3 4 5; do http -o /dev/null -H "Cookie: $COOKIE" "$BASE$PRODUCTS_PATH"; done # warm-up
d_app() {
  ROUTE=/t/:slug/products run_wrk "products-full-$1" GET 200 "$LIST_CLIENTS" "$BASE$PRODUCTS_PATH" -H "Cookie: $COOKIE"
  D[app_full/$1]="$W_RPS $W_OTHER $W_CPU"; D[p99_full/$1]=$W_P99
  ROUTE=/t/:slug/products run_wrk "products-fragment-$1" GET 200 "$LIST_CLIENTS" "$BASE$PRODUCTS_PATH" -H "Cookie: $COOKIE" -H 'HX-Request: true'
  D[app_frag/$1]="$W_RPS $W_OTHER $W_CPU"; D[p99_frag/$1]=$W_P99
}
d_pg() {
  $CAPTURE || return 0
  local FULL_VARS FRAG_VARS
  vars_of FULL_VARS products_full; vars_of FRAG_VARS products_fragment
  run_pgbench "products-full-$1" "$PROD_DB" "$WORK/products_full.sql" "$LIST_CLIENTS" "${FULL_VARS[@]}"
  D[pg_full/$1]="$P_TPS $P_OTHER $P_CPU"
  run_pgbench "products-fragment-$1" "$PROD_DB" "$WORK/products_fragment.sql" "$LIST_CLIENTS" "${FRAG_VARS[@]}"
  D[pg_frag/$1]="$P_TPS $P_OTHER $P_CPU"
}
for r in $(seq 1 "$ROUNDS"); do
  log "== D. round $r/$ROUNDS"
  if ((r % 2)); then d_app "$r"; d_pg "$r"; else d_pg "$r"; d_app "$r"; fi
done
stop_server "$PROD_DB"
fi # part D

# ---------------------------------------------------------------------------------------------
# E. Stock of one variant under 16 clients (issue 13)
if part E; then
STOCK_CLIENTS=${BENCH_STOCK_CLIENTS:-16}
STOCK_DB=rustok_bench_$$_stock
log "== E. $STOCK_DB: bin/rustok seed, one variant adjusted by +1 from $STOCK_CLIENTS clients"
pg_create "$STOCK_DB"
(cd "$WORK" && DATABASE_URL=$(pg_url "$STOCK_DB") "$BIN" seed) >"$WORK/seed-stock.log" 2>&1 ||
  { cat "$WORK/seed-stock.log" >&2; die "seed failed"; }
# pgbench writes into its own copy (no server runs there: a relay would claim its events).
STOCK_PG_DB=rustok_bench_$$_stock_pg
pg_create "$STOCK_PG_DB"
(cd "$WORK" && DATABASE_URL=$(pg_url "$STOCK_PG_DB") "$BIN" seed) >"$WORK/seed-stock-pg.log" 2>&1 ||
  { cat "$WORK/seed-stock-pg.log" >&2; die "seed failed"; }
variant_of() { # variant_of DB: "tenant admin variant product" of acme's first variant by SKU
  psqlq -d "$1" -Atc "SELECT t.id, u.id, v.id, v.product_id FROM tenants t, users u, product_variants v WHERE t.slug = 'acme' AND lower(u.email) = lower('$RUSTOK_ADMIN_EMAIL') AND v.tenant_id = t.id ORDER BY v.sku LIMIT 1" | tr '|' ' '
}
read -r _ _ S_VARIANT _ <<<"$(variant_of "$STOCK_DB")"
read -r S_TENANT S_ADMIN S_PG_VARIANT S_PRODUCT <<<"$(variant_of "$STOCK_PG_DB")"
[[ -n $S_VARIANT && -n $S_PG_VARIANT ]] || die "no variant in acme after bin/rustok seed"
stock_of() { psqlq -d "${2:-$STOCK_DB}" -Atc "SELECT inventory_quantity FROM product_variants WHERE id = '${1:-$S_VARIANT}'"; }
ledger_of() { psqlq -d "${2:-$STOCK_DB}" -Atc "SELECT count(*) || ' ' || COALESCE(sum(delta), 0) FROM inventory_ledger WHERE variant_id = '${1:-$S_VARIANT}'"; }
# pgbench's transaction: the statements AdjustInventory sends (checked against the app's
# below), ids built in SQL as in B: the stock UPDATE with its ledger INSERT in one statement (a
# data-modifying CTE), then the outbox's statement (with the product's advisory lock: the
# aggregate exists) and COMMIT in one round trip, as models.Store.WithTx pipelines them.
LID="(:run || lpad(to_hex(:n::bigint), 14, '0') || lpad(to_hex(:client_id::int), 4, '0') || '05')::uuid"
EID="(:run || lpad(to_hex(:n::bigint), 14, '0') || lpad(to_hex(:client_id::int), 4, '0') || '06')::uuid"
LEDGER_CTE='led AS (INSERT INTO inventory_ledger (id, tenant_id, product_id, variant_id, delta, quantity_after, reason, note, actor_id, created_at) SELECT'
cat >"$WORK/stock.sql" <<EOF
\\set n :n + 1
BEGIN;
WITH upd AS (UPDATE product_variants SET inventory_quantity = inventory_quantity + 1, updated_at = now() WHERE tenant_id = :tenant AND id = :variant AND (inventory_policy = 'continue' OR inventory_quantity + 1 >= 0) AND inventory_quantity + 1 BETWEEN -1000000000000 AND 1000000000000 RETURNING product_id, sku, option1, option2, option3, inventory_quantity, low_stock_threshold), $LEDGER_CTE $LID, :tenant::uuid, product_id, :variant::uuid, 1::bigint, inventory_quantity, 'received'::text, ''::text, :actor::uuid, now() FROM upd) SELECT * FROM upd \\gset
\\startpipeline
WITH locked AS (SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) AS n FROM (SELECT k FROM unnest(ARRAY['product:' || :product]::text[]) AS k ORDER BY k) AS keys), stamped AS (SELECT clock_timestamp() AS at FROM locked) INSERT INTO "sys_events" ($EVENT_COLUMNS,"occurred_at","next_attempt_at") SELECT v.*, s.at, s.at FROM stamped AS s, (VALUES ($EID, 'inventory.updated'::text, 1, :tenant::uuid, 'product'::text, :product::uuid, :actor::uuid, :corr::text, NULL::uuid, ('{"sku": "' || :sku || '", "reason": "received", "product_id": "' || :product || '", "variant_id": "' || :variant || '", "new_quantity": ' || :inventory_quantity || ', "old_quantity": ' || (:inventory_quantity - 1) || '}')::jsonb)) AS v($EVENT_COLUMNS) RETURNING "occurred_at";
COMMIT;
\\endpipeline
EOF
stock_vars() {
  STOCK_VARS=(-D n=0 -D "run=$(printf '%012x' "$(date +%s%3N)")" -D "tenant=$S_TENANT" -D "actor=$S_ADMIN" -D "variant=$S_PG_VARIANT" -D "product=$S_PRODUCT" -D corr=5f0c2a8e-3d1b-4c55-9a57-0b6f3e2d9c41)
  sleep 0.002
}
start_server "$STOCK_DB" "$WORK/serve-stock.log"
sign_in "$WORK/jar-stock"
ADJUST_PATH=/t/acme/inventory/$S_VARIANT/adjust
adjust_once() {
  http -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" --data-urlencode "_csrf=$CSRF_TOKEN" \
    --data-urlencode delta=1 --data-urlencode reason=received --data-urlencode note= "$BASE$ADJUST_PATH"
}
[[ $(adjust_once) == 303 ]] || die "POST $ADJUST_PATH did not answer 303"
if $CAPTURE; then # the app's statements for one adjustment, against pgbench's
  capture_start "$STOCK_DB"
  stop_server "$STOCK_DB"; start_server "$STOCK_DB" "$WORK/serve-stock-capture.log"; sign_in "$WORK/jar-stock-capture"
  adjust_once >/dev/null; sleep 0.3; m0=$(capture_mark)
  adjust_once >/dev/null; sleep 0.3; m1=$(capture_mark)
  capture_end "$STOCK_DB"
  # A fresh server: the capture's pooled connections would go on logging every statement.
  stop_server "$STOCK_DB"; start_server "$STOCK_DB" "$WORK/serve-stock-load.log"; sign_in "$WORK/jar-stock-load"
  statements_between "$STOCK_DB" "$m0" "$m1" >"$WORK/captured-stock.txt"
  log "   POST $ADJUST_PATH ran $(wc -l <"$WORK/captured-stock.txt") statements:"
  cut -c1-150 "$WORK/captured-stock.txt" | sed 's/^/     /' >&2
  missing=0
  while IFS= read -r stmt; do
    grep -qF -- "$stmt" "$WORK/captured-stock.txt" || { log "   NOT SENT BY THE APP: $stmt"; missing=$((missing + 1)); }
  done < <(echo 'WITH upd AS (UPDATE product_variants SET inventory_quantity = inventory_quantity + $1, updated_at = $2 WHERE tenant_id = $3 AND id = $4 AND (inventory_policy = '"'continue'"' OR inventory_quantity + $5 >= 0) AND inventory_quantity + $6 BETWEEN $7 AND $8 RETURNING product_id, sku, option1, option2, option3, inventory_quantity, low_stock_threshold), '"$LEDGER_CTE"
    grep -oF -- "$LEDGER_CTE" "$WORK/stock.sql"
    echo "WITH locked AS (SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) AS n FROM (SELECT k FROM unnest(\$1::text[]) AS k ORDER BY k) AS keys), stamped AS (SELECT clock_timestamp() AS at FROM locked) INSERT INTO \"sys_events\" ($EVENT_COLUMNS,\"occurred_at\",\"next_attempt_at\") SELECT v.*, s.at, s.at FROM stamped AS s, (VALUES ")
  if ((missing)); then
    INVALID+=("stock: $missing pgbench statement shapes differ from the app's — see the log above")
  else
    CAPTURE_REPORT+=("stock: pgbench sends the app's UPDATE, ledger INSERT and outbox statement (with the product's lock), values computed in SQL")
  fi
fi
e_app() {
  local before ledger_before after ledger_after rows sum
  before=$(stock_of); read -r ledger_before _ <<<"$(ledger_of)"
  ROUTE=/t/:slug/inventory/:id/adjust run_wrk "stock-app-$1" POST 303 "$STOCK_CLIENTS" "$BASE$ADJUST_PATH" -H "Cookie: $COOKIE" \
    -s "$WORK/adjust.lua" -- "$CSRF_TOKEN"
  after=$(stock_of); read -r rows sum <<<"$(ledger_of)"
  local made=$((rows - ledger_before)) ok=exact
  ((after - before == made)) || { ok="NOT EXACT"; INVALID+=("stock round $1: stock moved by $((after - before)) for $made ledger rows"); }
  D[stock_app/$1]="$W_RPS $W_OTHER $W_CPU"; D[stock_p99/$1]=$W_P99
  D[stock_exact/$1]="$before→$after, $made ledger rows: $ok"
  log "   stock $before → $after with $made new ledger rows (sum of all deltas $sum): $ok"
}
e_pg() {
  local before after rows0 rows1
  before=$(stock_of "$S_PG_VARIANT" "$STOCK_PG_DB"); read -r rows0 _ <<<"$(ledger_of "$S_PG_VARIANT" "$STOCK_PG_DB")"
  stock_vars
  run_pgbench "stock-pg-$1" "$STOCK_PG_DB" "$WORK/stock.sql" "$STOCK_CLIENTS" "${STOCK_VARS[@]}"
  after=$(stock_of "$S_PG_VARIANT" "$STOCK_PG_DB"); read -r rows1 _ <<<"$(ledger_of "$S_PG_VARIANT" "$STOCK_PG_DB")"
  ((after - before == rows1 - rows0)) || INVALID+=("stock pgbench round $1: stock moved by $((after - before)) for $((rows1 - rows0)) ledger rows")
  D[stock_pg/$1]="$P_TPS $P_OTHER $P_CPU"
}
cat >"$WORK/adjust.lua" <<'EOF'
-- args: CSRF token. Each request: +1, reason received.
local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.body = "_csrf=" .. urlencode(args[1]) .. "&delta=1&reason=received&note="
end
EOF
for r in $(seq 1 "$ROUNDS"); do
  log "== E. round $r/$ROUNDS"
  if ((r % 2)); then e_app "$r"; e_pg "$r"; else e_pg "$r"; e_app "$r"; fi
done
stop_server "$STOCK_DB"
fi # part E

# ---------------------------------------------------------------------------------------------
# Report
col() { # col KEY FIELD: the FIELD-th value of KEY over the rounds, one a line
  local r
  for r in $(seq 1 "$ROUNDS"); do
    local v=${2:-1}
    [[ -z ${A[$1/$r]:-}${B[$1/$r]:-} ]] || awk -v f="$v" '{print $f}' <<<"${A[$1/$r]:-${B[$1/$r]:-}}"
  done
}
rounds_of() { # rounds_of KEY: "v/other%" per round
  local r s=""
  for r in $(seq 1 "$ROUNDS"); do
    local e=${A[$1/$r]:-${B[$1/$r]:-}}
    [[ -z $e ]] || s="$s${s:+  }$(awk '{printf "%s/%s%%", $1, $2}' <<<"$e")"
  done
  echo "$s"
}
ratios_of() { # ratios_of NUM DEN: the per-round ratios
  local r s=""
  for r in $(seq 1 "$ROUNDS"); do
    local n=${A[$1/$r]:-${B[$1/$r]:-}} d=${A[$2/$r]:-${B[$2/$r]:-}}
    s="$s${s:+  }$(ratio "${n%% *}" "${d%% *}")"
  done
  echo "$s"
}
# ratio_med NUM DEN: the median of the per-round ratios (each round runs both sides back to back,
# so a round's ratio is the fair comparison; medians taken apart may come from different rounds)
ratio_med() { { ratios_of "$1" "$2" | tr -s ' ' '\n' | grep -vx 'n/a' | grep . || true; } | median; }
p_of() { local r; for r in $(seq 1 "$ROUNDS"); do eval "echo \${$1[$2/$r]:-}"; done | median; }
cpu_of() { # cpu_of KEY: median CPU ms per operation of the server / load generator / PostgreSQL + Redis
  printf '%s/%s/%s' "$(col "$1" 3 | median)" "$(col "$1" 4 | median)" "$(col "$1" 5 | median)"
}

echo
echo "== RusToK content benchmark report — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $("$GO" env GOVERSION), $("$BIN" version), PostgreSQL $(psqlq -d postgres -Atc 'SHOW server_version')"
echo "   load average (1/5/15 min) when the script started: $LOAD_START, at the end: $(cut -d' ' -f1-3 /proc/loadavg); $ROUNDS rounds of $DURATION runs; figures are medians over the rounds, each ratio the median of the rounds' ratios"
echo "   each run: value/other CPU (% of the machine used by neither the server, the load generator, PostgreSQL nor Redis)"
if ((${#CAPTURE_REPORT[@]})); then
  echo "statements (log_statement = all on the benchmark's database, one request each):"
  for s in "${CAPTURE_REPORT[@]}"; do echo "  - $s"; done
fi
if part A; then
echo "A. GET /t/acme/nodes, $SEEDED; page 1, $PER_PAGE rows, default sort; \"$PAGE_INFO\""
echo "   app: wrk -t2 -c$LIST_CLIENTS -d$DURATION --latency -H 'Cookie: …' [-H 'HX-Request: true'] $BASE/t/acme/nodes"
echo "   SQL: pgbench -n -M prepared -c$LIST_CLIENTS -j2 -T$SECONDS_EACH -f list_full.sql|list_fragment.sql (the page's statements as captured, without the middleware's; -D their values)"
printf '  %-30s %9s %9s %9s  %-17s %s\n' "" "median" "p50 ms" "p99 ms" "CPU ms/op s/g/db" "each round (value/other CPU)"
arow() { # arow LABEL KEY P50 P99
  printf '  %-30s %9s %9s %9s  %-17s %s\n' "$1" "$(col "$2" | median)" "$3" "$4" "$(cpu_of "$2")" "$(rounds_of "$2")"
}
arow "app, full page (req/s)" app_full "$(p_of AP50 full)" "$(p_of AP99 full)"
arow "pgbench, its SQL (tps)" pg_full "" ""
arow "app, fragment (req/s)" app_frag "$(p_of AP50 frag)" "$(p_of AP99 frag)"
arow "pgbench, its SQL (tps)" pg_frag "" ""
R_FULL=$(ratio_med app_full pg_full)
R_FRAG=$(ratio_med app_frag pg_frag)
printf '  ratio app ÷ pgbench, full page: %s (rounds: %s)   goal ≥ %s: %s\n' "$R_FULL" "$(ratios_of app_full pg_full)" "$GOAL_LIST" "$(verdict "$R_FULL" "$GOAL_LIST")"
printf '  ratio app ÷ pgbench, fragment:  %s (rounds: %s)   goal ≥ %s: %s\n' "$R_FRAG" "$(ratios_of app_frag pg_frag)" "$GOAL_LIST" "$(verdict "$R_FRAG" "$GOAL_LIST")"
echo "  for information, pgbench with every statement of the request (also the middleware's):"
arow "full page (tps)" req_full "" ""
echo "    app ÷ it (median of the rounds): $(ratio_med app_full req_full)"
arow "fragment (tps)" req_frag "" ""
echo "    app ÷ it (median of the rounds): $(ratio_med app_frag req_frag)"
fi
if part B; then
echo "B. create a post with one translation and its 2 events; pgbench's database held $CREATED at the end"
echo "   app: TEST_DB=postgres go test -run '^\$' -bench '^BenchmarkCreateNode\$' -benchtime $DURATION ./bench/ (BENCH_CREATE_CLIENTS=$CREATE_CLIENTS)"
echo "   SQL: pgbench -n -M prepared -cN -jN≤2 -T$SECONDS_EACH -f create_inserts.sql (BEGIN; INSERT nodes; INSERT node_translations; the outbox's one statement: 2 sys_events rows, no lock for a new node; COMMIT)"
for c in "${CREATE_CS[@]}"; do
  printf '  %-30s %9s   %s\n' "app, $c client(s) (creates/s)" "$(col "go/$c" | median)" "$(rounds_of "go/$c")"
  printf '  %-30s %9s   %s   CPU ms/tx pgbench/db %s\n' "pgbench, $c client(s) (tps)" "$(col "pg/$c" | median)" "$(rounds_of "pg/$c")" "$(cpu_of "pg/$c" | cut -d/ -f2-)"
  rc=$(ratio_med "go/$c" "pg/$c")
  printf '  ratio app ÷ pgbench, %s client(s): %s (rounds: %s)   goal ≥ %s: %s\n' "$c" "$rc" "$(ratios_of "go/$c" "pg/$c")" "$GOAL_CREATE" "$(verdict "$rc" "$GOAL_CREATE")"
done
echo "  for information: pgbench with the slug check too (every statement CreateNode sends), and POST /t/acme/nodes over HTTP"
for c in "${CREATE_CS[@]}"; do
  printf '  %-30s %9s   %s   app ÷ it: %s\n' "pgbench + slug check, $c (tps)" "$(col "pgapp/$c" | median)" "$(rounds_of "pgapp/$c")" "$(ratio_med "go/$c" "pgapp/$c")"
done
printf '  %-30s %9s   p99 %s ms   %s   CPU ms/op s/g/db %s   ÷ pgbench c%s: %s\n' "HTTP POST, wrk -c$HTTP_CLIENTS (req/s)" "$(col "http/$HTTP_CLIENTS" | median)" \
  "$(p_of BP99 http)" "$(rounds_of "http/$HTTP_CLIENTS")" "$(cpu_of "http/$HTTP_CLIENTS")" "$HTTP_CLIENTS" "$(ratio_med "http/$HTTP_CLIENTS" "pg/$HTTP_CLIENTS")"
echo "    each HTTP round has its own fresh database; the server's relay (in-process transport):"
for s in "${BACKLOGS[@]}"; do echo "      $s"; done
fi
if part C; then
  echo "C. now ($("$BIN" version)) ÷ baseline ($("$BASE_BIN" version)), PostgreSQL + Redis sessions, $SEEDED_C; wrk -t2 -c$CMP_CLIENTS -d$DURATION; medians of $ROUNDS rounds, order alternating"
  printf '  %-22s %-9s %8s %9s  %-21s %s\n' "" binary req/s "p99 ms" "CPU ms/req srv/db" "each round (req/s/p99 ms/other CPU)"
  for key in list_full list_frag dashboard create; do
    name=${CMP_NAMES[$key]}
    for which in base now; do
      printf '  %-22s %-9s %8s %9s  %-21s %s\n' "$name" "$which" "$(c_med "$key/$which" 1)" "$(c_med "$key/$which" 2)" \
        "$(c_med "$key/$which" 3)/$(c_med "$key/$which" 5)" "$(c_rounds "$key/$which")"
      name=""
    done
    rr=$(ratio "$(c_med "$key/now" 1)" "$(c_med "$key/base" 1)") rp=$(ratio "$(c_med "$key/now" 2)" "$(c_med "$key/base" 2)")
    ok=met
    awk -v r="$rr" -v g="${CMP_GOALS[$key]}" -v p="$rp" 'BEGIN {exit !(r != "n/a" && r + 0 >= g + 0 && p != "n/a" && p + 0 <= 1)}' || ok="NOT met"
    printf '  %-22s %-9s %8s %9s   goal req/s ≥ %s×, p99 ≤ 1×: %s\n' "" "now÷base" "${rr}×" "${rp}×" "${CMP_GOALS[$key]}" "$ok"
  done
  echo "  (CPU per request: the server's own process, and PostgreSQL + Redis; wrk's is in the log)"
fi
d_col() { local r; for r in $(seq 1 "$ROUNDS"); do [[ -z ${D[$1/$r]:-} ]] || awk -v f="${2:-1}" '{print $f}' <<<"${D[$1/$r]}"; done | median; }
d_rounds() { local r s=""; for r in $(seq 1 "$ROUNDS"); do [[ -z ${D[$1/$r]:-} ]] || s="$s${s:+  }$(awk '{printf "%s/%s%%", $1, $2}' <<<"${D[$1/$r]}")"; done; echo "$s"; }
d_ratios() { local r s=""; for r in $(seq 1 "$ROUNDS"); do s="$s${s:+  }$(ratio "$(awk '{print $1}' <<<"${D[$1/$r]:-}")" "$(awk '{print $1}' <<<"${D[$2/$r]:-}")")"; done; echo "$s"; }
d_ratio_med() { { d_ratios "$1" "$2" | tr -s ' ' '\n' | grep -vx 'n/a' | grep . || true; } | median; }
d_p99() { local r; for r in $(seq 1 "$ROUNDS"); do echo "${D[$1/$r]:-}"; done | grep . | median; }
if part D; then
  echo "D. GET $PRODUCTS_PATH, $SEEDED_D; page 1, $PER_PAGE rows, default sort (updated); \"$D_INFO\""
  echo "   app: wrk -t2 -c$LIST_CLIENTS -d$DURATION --latency -H 'Cookie: …' [-H 'HX-Request: true']; SQL: pgbench -n -M prepared -c$LIST_CLIENTS -j2 -T$SECONDS_EACH with the page's statements as captured, without the middleware's"
  printf '  %-30s %9s %9s  %-17s %s\n' "" "median" "p99 ms" "CPU ms/op s/g/db" "each round (value/other CPU)"
  printf '  %-30s %9s %9s  %-17s %s\n' "app, full page (req/s)" "$(d_col app_full)" "$(d_p99 p99_full)" "$(d_col app_full 3)/$(d_col app_full 4)/$(d_col app_full 5)" "$(d_rounds app_full)"
  printf '  %-30s %9s %9s  %-17s %s\n' "pgbench, its SQL (tps)" "$(d_col pg_full)" "" "" "$(d_rounds pg_full)"
  printf '  %-30s %9s %9s  %-17s %s\n' "app, fragment (req/s)" "$(d_col app_frag)" "$(d_p99 p99_frag)" "$(d_col app_frag 3)/$(d_col app_frag 4)/$(d_col app_frag 5)" "$(d_rounds app_frag)"
  printf '  %-30s %9s %9s  %-17s %s\n' "pgbench, its SQL (tps)" "$(d_col pg_frag)" "" "" "$(d_rounds pg_frag)"
  for k in full frag; do
    rr=$(d_ratio_med "app_$k" "pg_$k")
    printf '  ratio app ÷ pgbench, %-9s %s (rounds: %s)   goal ≥ %s: %s\n' "$k:" "$rr" "$(d_ratios "app_$k" "pg_$k")" "$GOAL_PRODUCTS" "$(verdict "$rr" "$GOAL_PRODUCTS")"
  done
fi
if part E; then
  echo "E. stock of one variant, +1 per request from $STOCK_CLIENTS clients for $DURATION (PostgreSQL + Redis sessions)"
  echo "   app: wrk -t2 -c$STOCK_CLIENTS -s adjust.lua POST $ADJUST_PATH (delta=1, reason received: 303); SQL: pgbench -n -M prepared -c$STOCK_CLIENTS -j2 -T$SECONDS_EACH -f stock.sql (UPDATE … RETURNING with the ledger INSERT in one statement, then the outbox statement + COMMIT pipelined)"
  printf '  %-30s %9s %9s  %-17s %s\n' "app (adjustments/s)" "$(d_col stock_app)" "$(d_p99 stock_p99)" "$(d_col stock_app 3)/$(d_col stock_app 4)/$(d_col stock_app 5)" "$(d_rounds stock_app)"
  printf '  %-30s %9s %9s  %-17s %s\n' "pgbench (tps)" "$(d_col stock_pg)" "" "" "$(d_rounds stock_pg)"
  rr=$(d_ratio_med stock_app stock_pg)
  printf '  ratio app ÷ pgbench: %s (rounds: %s)   goal ≥ %s: %s\n' "$rr" "$(d_ratios stock_app stock_pg)" "$GOAL_STOCK" "$(verdict "$rr" "$GOAL_STOCK")"
  for r in $(seq 1 "$ROUNDS"); do echo "  round $r, app: stock ${D[stock_exact/$r]:-n/a}"; done
fi
if ((${#INVALID[@]})); then
  echo "INVALID (do not use these figures):"
  for s in "${INVALID[@]}"; do echo "  - $s"; done
else
  echo "  server side: every list answer was a 200 and every POST a 303"
fi
if ((${#SKIPPED[@]})); then
  echo "SKIPPED:"
  for s in "${SKIPPED[@]}"; do echo "  - $s"; done
fi
