# Sourced by run.sh and test.sh: make sure .venv exists and holds this checkout's piket.
# Reinstalls only when pyproject.toml changed, so the second start is instant.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON_BIN="${PIKET_PYTHON:-python3.11}"
command -v "$PYTHON_BIN" >/dev/null 2>&1 || PYTHON_BIN=python3
if ! "$PYTHON_BIN" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "piket needs Python 3.11 or newer; '$PYTHON_BIN' is $("$PYTHON_BIN" --version 2>&1)." >&2
    exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
    echo "Creating the virtual environment in .venv ..." >&2
    "$PYTHON_BIN" -m venv "$VENV"
fi
EXTRAS="${1:-}"
STAMP="$VENV/.piket-installed${EXTRAS:+-$EXTRAS}"
WANT="$(cat "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
    echo "Installing piket${EXTRAS:+ with [$EXTRAS]} into .venv ..." >&2
    # uv (from PyPI, into the venv) installs the same versions as pip, compiled as pip leaves them,
    # in a third of the time; pip stays the way where uv cannot be had.
    if "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check uv >&2; then
        "$VENV/bin/uv" pip install --quiet --compile-bytecode --python "$VENV/bin/python" -e "$ROOT${EXTRAS:+[$EXTRAS]}" >&2
    else
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT${EXTRAS:+[$EXTRAS]}" >&2
    fi
    echo "$WANT" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
