"""Text as it comes in at the door (forms, API, imports): NFC, without control or invisible characters.

A value pasted from Word can carry a vertical tab (`Anne\\x0bde Vries`), a NUL
breaks PostgreSQL and XLSX, and zero-width or right-to-left override characters
make a value look like something else (or like nothing). Control characters
that stand for white space become a space; the other control, format (zero-width,
bidi), private-use and unassigned characters go. A value that had something
in it and is empty afterwards is refused by the caller.
"""

from __future__ import annotations

import unicodedata


def clean(value: str) -> str:
    """The value in NFC, with control and invisible characters replaced or removed, and trimmed."""
    return "".join(map(_kept, unicodedata.normalize("NFC", value))).strip()


def clean_lines(value: str) -> str:
    """The same, line by line, for a value whose line breaks mean something (a spreadsheet cell's list)."""
    return "\n".join(clean(line) for line in value.split("\n")).strip()


def _kept(character: str) -> str:
    category = unicodedata.category(character)
    if category in ("Zl", "Zp", "Zs") or (category == "Cc" and character.isspace()):
        return " "  # line and paragraph separators, tabs, vertical tabs, non-breaking spaces
    return "" if category.startswith("C") else character


def is_only_invisible(value: str) -> bool:
    """Something was typed, but nothing a person can see is left of it."""
    return bool(value.strip()) and not clean(value)
