# bench/lib.sh — helpers shared by bench/run.sh and bench/content.sh (sourced, not run).
# They read the caller's PG_HOST, PG_PORT, PG_USER, PIDS and DBS when called.
# shellcheck shell=bash

log() { printf '%s\n' "$*" >&2; }
stop_pid() { # stop_pid PID: SIGTERM, wait at most 10 s, then SIGKILL
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
up() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
http() { curl -sS --noproxy '*' -m 10 "$@"; }
pg_create() { # pg_create NAME: a fresh database, remembered for cleanup
  createdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" "$1"
  DBS+=("$1")
}
pg_drop() { dropdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" --if-exists --force "$1"; }
pg_url() { echo "postgres://$PG_USER@$PG_HOST:$PG_PORT/$1?sslmode=disable"; }
forget_pid() { # forget_pid PID: take an ended process off the cleanup list
  local keep=() pid
  for pid in "${PIDS[@]}"; do [[ $pid == "$1" ]] || keep+=("$pid"); done
  PIDS=("${keep[@]}")
}
to_ms() { # wrk latency (e.g. 812.00us, 3.51ms, 1.02s) in ms
  awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.2f", n }'
}
busy_ticks() { awk '$1 == "cpu" {print $2 + $3 + $4; exit}' /proc/stat; }
proc_stat() { # proc_stat PID: "STATE TICKS" (utime + stime, every thread), or nothing if gone
  awk '{sub(/^.*\) /, ""); print $1, $12 + $13}' "/proc/$1/stat" 2>/dev/null || true
}
db_ticks() { # CPU ticks of every PostgreSQL and Redis process, with the reaped children's time
  # (cutime + cstime): a backend that ends during the run moves its time into the postmaster's.
  local p
  for p in $(pgrep -x 'postgres|redis-server'); do
    awk '{sub(/^.*\) /, ""); print $12 + $13 + $14 + $15}' "/proc/$p/stat" 2>/dev/null || true # a backend may end before it is read
  done | awk '{t += $1} END {print t + 0}'
}
now_s() { date +%s.%N; }
