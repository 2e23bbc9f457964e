"""The chat protocol is the bot's: nothing in `backend/` builds a button or knows a callback format."""

import ast
import re
from pathlib import Path

from tests.support.source import syntax_trees

BACKEND = Path(__file__).resolve().parents[2] / "backend"
PROTOCOL = re.compile(r"callback_data|InlineKeyboard|\"[ocahrnwlf]:")
"""A Telegram keyboard, or a string starting like one of the bot's callback formats (bot/callbacks.py)."""


def sources() -> list[Path]:
    return sorted(p for p in BACKEND.rglob("*.py") if "migrations" not in p.parts)


def test_no_backend_module_spells_a_callback_format_or_a_keyboard() -> None:
    found = [
        f"{path.relative_to(BACKEND.parent)}:{number}: {line.strip()}"
        for path in sources()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if PROTOCOL.search(line)
    ]
    assert found == []


def test_no_backend_module_imports_the_bot_or_telegram() -> None:
    found = []
    for path, tree in syntax_trees(sources()).items():
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            found += [f"{path.name}: {n}" for n in names if n.split(".")[0] in ("bot", "telegram")]
    assert found == []
