"""Python sources as syntax trees, parsed in an interpreter of their own.

CPython 3.11.7's ast.parse fails with "AST constructor recursion depth mismatch" when another thread
of the process parses at the same time (a traceback being formatted parses its source line), and a
pytest-xdist worker may have such a thread left by an earlier test. A child interpreter parses
alone; the trees come back pickled.
"""

from __future__ import annotations

import ast
import pickle
import subprocess
import sys
from pathlib import Path

_PARSE = """
import ast, pickle, sys
trees = []
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as source:
        trees.append(ast.parse(source.read(), path))
sys.stdout.buffer.write(pickle.dumps(trees))
"""


def syntax_trees(paths: list[Path]) -> dict[Path, ast.Module]:
    parsed = subprocess.run([sys.executable, "-c", _PARSE, *map(str, paths)], capture_output=True, check=True)
    trees: list[ast.Module] = pickle.loads(parsed.stdout)  # noqa: S301 - our own child's output
    return dict(zip(paths, trees, strict=True))
