#!/usr/bin/env bash
# scripts/vulncheck.sh — `make vulncheck`: govulncheck over the module; fails when code the binary
# calls has a known vulnerability.
#
# govulncheck reads its database from vuln.go.dev, which this machine and CI cannot reach. The same
# reports are published as a Go module, golang.org/x/vulndb (data/osv/GO-*.json), which the Go
# module proxy serves. So this script downloads that module (VULNDB_VERSION, default latest),
# builds a database in the v1 layout from it (scripts/vulndb.go) and points govulncheck at it with
# -db file://…. With VULNCHECK_DB=https://vuln.go.dev (or any other database URL) it skips the
# build and uses that instead. govulncheck itself is pinned in go.mod (`go tool govulncheck`).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
# Check the toolchain the project builds with (go.mod's toolchain line), as make does.
export GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
VULNDB_VERSION=${VULNDB_VERSION:-latest}

db=${VULNCHECK_DB:-}
if [[ -z $db ]]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/rustok-vulndb.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  # Outside this module, so the download touches neither go.mod nor go.sum.
  info=$(cd "$work" && GOFLAGS=-mod=mod "$GO" mod download -json "golang.org/x/vulndb@$VULNDB_VERSION") ||
    { echo "vulncheck: could not download golang.org/x/vulndb@$VULNDB_VERSION from the module proxy" >&2; exit 1; }
  field() { sed -n "s/^[[:space:]]*\"$1\": \"\\(.*\\)\",\{0,1\}$/\\1/p" <<<"$info" | head -n1; }
  version=$(field Version)
  dir=$(field Dir)
  [[ -n $dir && -d $dir/data/osv ]] || { echo "vulncheck: golang.org/x/vulndb@$version has no data/osv" >&2; exit 1; }
  # The snapshot's commit time stands in for the per-entry times that only the git history has.
  modified=$(cd "$work" && "$GO" list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z07:00"}}' "golang.org/x/vulndb@$version")
  echo "vulncheck: database from golang.org/x/vulndb@$version ($modified)"
  "$GO" run scripts/vulndb.go -src "$dir/data/osv" -out "$work/db" -modified "$modified"
  db=file://$work/db
fi

echo "vulncheck: go tool govulncheck -db $db ./..."
"$GO" tool govulncheck -db "$db" ./...
