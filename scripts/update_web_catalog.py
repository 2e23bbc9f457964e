"""Bring backend/web/locale/nl/LC_MESSAGES/web.po in step with the pages: add every new text of the
templates and the web's Python (empty, to translate), drop texts no longer used, keep the rest.

Run: .venv/bin/python scripts/update_web_catalog.py   (tests/web/test_catalog.py names what is untranslated)
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

WEB = Path(__file__).resolve().parent.parent / "backend" / "web"
PO = WEB / "locale" / "nl" / "LC_MESSAGES" / "web.po"
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}


def main() -> None:
    with PO.open("rb") as source:
        old = read_po(source, locale="nl")
    new = Catalog(locale="nl", project="piket", version="1", charset="utf-8", last_translator="piket team",
                  language_team="nl", header_comment=old.header_comment)
    for _, _, message, _, _ in extract_from_dir(str(WEB), METHODS, keywords=KEYWORDS):
        known = old.get(message)
        new.add(message, known.string if known else "")
    with PO.open("wb") as out:
        write_po(out, new, width=100, no_location=True)
    lines = [line for line in PO.read_text(encoding="utf-8").splitlines()
             if line != "#, fuzzy" and not line.startswith(('"PO-Revision-Date', '"POT-Creation-Date',
                                                            '"Report-Msgid-Bugs-To'))]
    PO.write_text("\n".join(lines) + "\n", encoding="utf-8")
    missing = [m.id for m in new if m.id and not m.string]
    print(f"{len(missing)} texts to translate" + "".join(f"\n  {m!r}" for m in missing))


if __name__ == "__main__":
    main()
