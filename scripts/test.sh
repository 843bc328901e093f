#!/usr/bin/env bash
# Runs the test suites: `scripts/test.sh all|sqlite|postgres`.
# SQLite needs nothing. PostgreSQL, Redis, NATS and chromium are used when present; without them
# the suites that need them are skipped and listed at the end. Under CI=true nothing may be skipped.
set -uo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
skipped=()
status=0

pg_url="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
up() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# Say up front which services answer, so a skipped suite is never a surprise.
for svc in "PostgreSQL 127.0.0.1 5432" "Redis 127.0.0.1 6379" "NATS 127.0.0.1 4222"; do
  set -- $svc
  if ! up "$2" "$3"; then
    skipped+=("$1 (nothing listening on $2:$3): tests that need it are skipped")
  fi
done
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null && ! command -v google-chrome >/dev/null; then
  skipped+=("browser tests (no chromium installed: apt-get install -y chromium)")
fi

run() { # run DIALECT PACKAGES...
  local dialect=$1; shift
  echo "== go test on $dialect =="
  TEST_DB=$dialect go test -count=1 -p 2 "$@" || status=1
}

if [[ $which == all || $which == sqlite ]]; then
  run sqlite ./...
fi
if [[ $which == all || $which == postgres ]]; then
  if up 127.0.0.1 5432 || [[ -n "${TEST_DATABASE_URL:-}" ]]; then
    # The browser test runs once, in the SQLite pass.
    run postgres $(go list ./... | grep -v /e2e)
  else
    skipped+=("the whole PostgreSQL pass ($pg_url unreachable)")
  fi
fi

if ((${#skipped[@]})); then
  echo
  echo "== SKIPPED =="
  for s in "${skipped[@]}"; do echo "- $s"; done
  if [[ "${CI:-}" == true ]]; then
    echo "CI=true: skipping is not allowed"; status=1
  fi
fi
exit $status
