"""Every catalog keeps step with the code: each message id pybabel extracts (babel.cfg, the keywords of
scripts/update_catalogs.sh) has a Dutch translation with the same placeholders, and the catalog holds
nothing else: no id the code no longer uses, nothing fuzzy, no obsolete entries.
(`scripts/update_catalogs.sh` brings the .po files in step; fill in what it leaves empty.)"""

from __future__ import annotations

import re
import shlex
import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from backend.i18n import po_file

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "update_catalogs.sh"


def extract_command(domain: str) -> list[str]:
    """The script's own `pybabel extract` line for `domain`, so that the test and the script cannot
    disagree on keywords or inputs."""
    script = SCRIPT.read_text(encoding="utf-8").replace("\\\n", " ")
    for line in script.splitlines():
        if " extract " in line and f"/{domain}.pot" in line:
            words = shlex.split(line)
            return words[words.index("extract") :]
    raise AssertionError(f"{SCRIPT} has no extract line for {domain}")


def extracted(domain: str, tmp_path: Path) -> Catalog:
    command = extract_command(domain)
    output = command.index("-o") + 1
    command[output] = str(tmp_path / f"{domain}.pot")
    pybabel = [sys.executable, "-c", "from babel.messages.frontend import main; main()"]
    subprocess.run([*pybabel, *command], cwd=ROOT, check=True, capture_output=True)
    with (tmp_path / f"{domain}.pot").open("rb") as pot:
        return read_po(pot)


def dutch(domain: str) -> Catalog:
    with po_file(domain, "nl").open("rb") as po:
        return read_po(po, locale="nl")


def placeholders(text: str) -> set[str]:
    """`%(name)s` and `{name}` placeholders alike (the web's and the chat's)."""
    percent = set(re.findall(r"%\((\w+)\)[sdr]", text))
    braces = {name for _, name, _, _ in string.Formatter().parse(text) if name} if "%(" not in text else set()
    return percent | braces


def key(message_id: str | tuple[str, ...], context: str | None) -> tuple[str | None, str]:
    return context, message_id if isinstance(message_id, str) else message_id[0]


@pytest.mark.parametrize("domain", ["piket", "web"])
def test_every_extracted_id_has_a_dutch_translation_with_the_same_placeholders(
    domain: str, tmp_path: Path
) -> None:
    used = {key(m.id, m.context): m for m in extracted(domain, tmp_path) if m.id}
    catalog = dutch(domain)
    translated = {key(m.id, m.context): m for m in catalog if m.id}
    assert sorted(used.keys() - translated.keys(), key=str) == [], "run scripts/update_catalogs.sh"
    assert sorted(translated.keys() - used.keys(), key=str) == [], "left over: run scripts/update_catalogs.sh"
    assert not catalog.obsolete, "obsolete entries: run scripts/update_catalogs.sh"
    for found, message in translated.items():
        assert not message.fuzzy, f"{found}: fuzzy, check the Dutch and remove the flag"
        assert used[found].id == message.id, f"{found}: the plural is not the code's"
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        assert forms and all(forms), f"{found}: no Dutch text"
        english = message.id if isinstance(message.id, str) else message.id[1]
        for form in forms:  # one and many
            assert placeholders(form) == placeholders(english), found


def test_the_check_sees_placeholders_of_both_styles() -> None:
    assert placeholders("%(n)s entries, %(who)r") == {"n", "who"}
    assert placeholders("Call-out {date}, {start}-{end}.") == {"date", "start", "end"}
    assert placeholders("not valid TOML: %(error)s {braces}") == {"error"}
