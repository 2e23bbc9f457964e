#!/usr/bin/env bash
# Start piket on its embedded default: SQLite in ./var and a generated development key.
#   ./run.sh          the working database var/piket.db
#   ./run.sh demo     a fresh demo database var/demo.db (reloaded at every start)
# Any PIKET_* variable you set (database, keys, token, port) takes precedence.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh ""  # no extras: the product alone
for arg in "$@"; do
    case "$arg" in -h | --help) exec piket serve --help ;; esac  # a help touches no database
done
export PIKET_DATA_DIR="${PIKET_DATA_DIR:-$PWD/var}"
mkdir -p "$PIKET_DATA_DIR"
if [ "${1:-}" = "demo" ]; then
    shift
    export PIKET_DATABASE_URL="${PIKET_DATABASE_URL:-sqlite:///$PIKET_DATA_DIR/demo.db}"
    piket db upgrade
    piket demo --reset
else
    piket db upgrade
fi
exec piket serve "$@"
