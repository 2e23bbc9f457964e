#!/usr/bin/env bash
# Run the whole test suite; arguments go on to pytest (./test.sh -k ort -x).
# Database tests run on SQLite, and on PostgreSQL as well where
# PIKET_TEST_DATABASE_URL is set (postgresql+psycopg://user@host:port/db).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh test
exec python -m pytest "$@"
