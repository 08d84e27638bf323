"""Gettext catalogs (ar, en) and the content files that carry both languages side by side.

The catalogs are read from their .po sources and compiled in memory once per process, so what is in
the repository is exactly what people read: there is no compiled .mo file to fall out of date.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("ar", "en")
DEFAULT_LANGUAGE = "ar"
DOMAIN = "messages"
DIRECTORY = Path(__file__).parent


def po_path(language: str) -> Path:
    return DIRECTORY / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: str) -> Translations:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    with po_path(language).open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)
