#!/usr/bin/env bash
# Run the whole test suite; arguments go on to pytest (./test.sh -k ort -x).
# Database tests run on SQLite, and on PostgreSQL as well where
# PIKET_TEST_DATABASE_URL is set (postgresql+psycopg://user@host:port/db).
# Tests run in parallel, one worker per core (pytest-xdist); PIKET_TEST_WORKERS=N sets how many,
# and 0 runs them in this one process (as --pdb needs, which therefore implies it).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh test
# Python's bytecode cache stays on even where the machine turns it off (PYTHONDONTWRITEBYTECODE,
# as the machines this project is built on do): without it each pytest worker rewrote every test
# module anew, and each of the hundred piket processes the tests start compiled piket from source
# (about 6 s a worker and half a second a process). __pycache__ is ignored by git.
unset PYTHONDONTWRITEBYTECODE
workers="${PIKET_TEST_WORKERS:-auto}"
for arg in "$@"; do
    case "$arg" in --pdb|--trace) workers=0 ;; esac
done
exec python -m pytest -n "$workers" --dist worksteal "$@"
