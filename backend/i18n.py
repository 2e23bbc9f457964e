"""Gettext catalogs read from .po sources: one path for every word a person reads.

Two domains, one mechanism. `piket` is the chat (bot/texts.py, keyed by template with
msgctxt, `{name}` placeholders); `web` is everything else the backend says to a person:
the pages, the services' refusals, the core's reasons (scheduling/reasons.py) and the
documents written for people such as the record of processing (English msgids, `%(name)s`
placeholders). `pybabel` extracts both (babel.cfg, scripts/update_catalogs.sh); the
.po file is compiled in memory when first needed, so there is no build step and no
compiled file to forget. English is the msgid itself.
"""

from __future__ import annotations

import ast
import gettext
import io
from collections.abc import Collection, Iterator, Mapping
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import IO, Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"

CATALOGS = {"piket": ("bot", "locale"), "web": ("backend", "web/locale")}
"""Each domain's package and the folder in it that holds `<language>/LC_MESSAGES/<domain>.po`.
The web's catalog is found through `backend`, so that a service or the command line can word
a refusal or a document without importing the web application."""


def po_file(domain: str, language: str) -> Traversable:
    """The .po source of `domain` in `language` (readable inside a wheel too)."""
    package, folder = CATALOGS[domain]
    return resources.files(package).joinpath(folder, language, "LC_MESSAGES", f"{domain}.po")


@lru_cache(maxsize=8)
def catalog(domain: str, language: str) -> gettext.NullTranslations:
    """The translations of `domain` in `language`. English is the msgid itself; an English catalog,
    where shipped, only gives codes (`callout`, `mma`) their English words."""
    source = po_file(domain, language)
    if language == "en" and not source.is_file():
        return gettext.NullTranslations()
    with source.open("rb") as po:
        parsed = read_po(po, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, parsed)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def translate(domain: str, language: str, message: str, params: Mapping[str, Any] | None = None) -> str:
    """The message id `message` in `language`, its `%(name)s` placeholders filled from `params`."""
    translated = catalog(domain, chosen(language)).gettext(message)
    return translated % dict(params) if params else translated


def chosen(language: str | None) -> str:
    """The language asked for if we have it, else Dutch."""
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def extract_texts(
    fileobj: IO[bytes], keywords: Collection[str], comment_tags: Collection[str], options: Mapping[str, Any]
) -> Iterator[tuple[int, str, list[str], list[str]]]:
    """A pybabel extractor (babel.cfg's `[extractors] texts`) for a module-level dict `TEXTS` of
    template key to English text, as bot/texts.py keeps them: each entry is a `pgettext(key, text)`.

    The dict stays a plain literal, easy to read and to merge, and no marker call wraps each text.
    """
    tree = ast.parse(fileobj.read())
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "TEXTS" for t in node.targets)
            and isinstance(node.value, ast.Dict)
        ):
            for key, value in zip(node.value.keys, node.value.values, strict=True):
                if isinstance(key, ast.Constant) and isinstance(value, ast.Constant):
                    yield key.lineno, "pgettext", [str(key.value), str(value.value)], []
