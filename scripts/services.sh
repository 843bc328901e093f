#!/usr/bin/env bash
# Starts PostgreSQL, Redis and NATS (JetStream) on this machine when they are not answering.
# These are the commands of the dev and CI machines (Debian packages); it waits until each answers.
set -uo pipefail
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() { # wait_for NAME PORT
  for _ in $(seq 1 50); do up "$2" && { echo "$1 is up on :$2"; return 0; }; sleep 0.2; done
  echo "$1 did not come up on :$2" >&2; return 1
}
rc=0
if ! up 5432; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  wait_for PostgreSQL 5432 || rc=1
fi
if ! up 6379; then
  echo "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  wait_for Redis 6379 || rc=1
fi
if ! up 4222; then
  echo "starting NATS"
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log || true
  wait_for NATS 4222 || rc=1
fi
exit $rc
