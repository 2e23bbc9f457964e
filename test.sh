#!/usr/bin/env bash
# Run the whole test suite; arguments go on to pytest (./test.sh -k ort -x).
# Database tests run on SQLite, and on PostgreSQL as well where
# PIKET_TEST_DATABASE_URL is set (postgresql+psycopg://user@host:port/db).
# Tests run in parallel, one worker per core (pytest-xdist); PIKET_TEST_WORKERS=N sets how many,
# and 0 runs them in this one process (as --pdb needs, which therefore implies it).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh test
workers="${PIKET_TEST_WORKERS:-auto}"
for arg in "$@"; do
    case "$arg" in --pdb|--trace) workers=0 ;; esac
done
exec python -m pytest -n "$workers" --dist worksteal "$@"
