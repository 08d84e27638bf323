"""Every message people can read exists in Arabic and English, with the same placeholders."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from locales import LANGUAGES, po_path

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "npgettext": ((1, "c"), 2, 3)}
Key = tuple[str | None, str | tuple[str, ...]]  # a message's context (most have none) and its text
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
ARABIC_PLURALS = (
    "(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 && n%100<=99 ? 4 : 5)"
)


@cache
def source_messages() -> frozenset[Key]:
    found: set[Key] = set()
    for package in ("core", "bot", "handlers", "conversations", "office", "console"):
        for _file, _line, message, _comments, context in extract_from_dir(
            ROOT / package,
            method_map=[("**.py", "python"), ("templates/**.html", "jinja2")],
            options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
            keywords=KEYWORDS,
        ):
            found.add((context, message if isinstance(message, str) else tuple(message)))
    return frozenset(found)


def catalog(language: str) -> Catalog:
    with po_path(language).open("rb") as source:
        return read_po(source, locale=language)


def translated(language: str) -> dict[Key, Message]:
    return {(m.context, m.id if isinstance(m.id, str) else tuple(m.id)): m for m in catalog(language) if m.id}


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_in_the_code_is_translated(language: str) -> None:
    messages = translated(language)
    missing = sorted(str(m) for m in source_messages() if m not in messages or not _complete(messages[m]))
    assert missing == [], f"run `make catalogs` and translate these in {language}: {missing}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_holds_nothing_the_code_does_not_use(language: str) -> None:
    unused = sorted(str(m) for m in translated(language) if m not in source_messages())
    assert unused == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(language: str) -> None:
    for message in translated(language).values():
        if isinstance(message.id, str):
            assert placeholders(str(message.string)) == placeholders(message.id), message.id
        else:
            # A plural form may spell the number out ("رقمين") but may not invent a placeholder.
            expected = placeholders(message.id[1])
            for form in _strings(message):
                assert placeholders(form) <= expected and expected - {"count"} <= placeholders(form), form


def test_arabic_has_its_six_plural_forms() -> None:
    arabic = catalog("ar")
    assert arabic.num_plurals == 6
    assert arabic.plural_expr.replace(" ", "") == ARABIC_PLURALS.replace(" ", "")


def _strings(message: Message) -> list[str]:
    if message.string is None:
        return []
    return [message.string] if isinstance(message.string, str) else list(message.string)


def _complete(message: Message) -> bool:
    strings = _strings(message)
    return not message.fuzzy and bool(strings) and all(s.strip() for s in strings)


def test_arabic_messages_write_latin_digits_as_the_dates_and_counts_do() -> None:
    """One digit style in a message (docs/DESIGN-NOTES.md): what we write in Arabic uses 0-9."""
    forms = [
        form
        for message in catalog("ar")
        if message.id
        for form in ([message.string] if isinstance(message.string, str) else message.string or [])
    ]
    assert [form for form in forms if re.search("[\u0660-\u0669]", form)] == []


def test_the_audit_logs_usual_outcomes_are_of_actions_and_outcomes_it_names() -> None:
    from office.words import ACTIONS, OUTCOMES, USUAL_OUTCOMES

    assert set(USUAL_OUTCOMES) <= set(ACTIONS)
    assert set(USUAL_OUTCOMES.values()) <= set(OUTCOMES)


def test_arabic_names_the_administrator_with_one_feminine_word() -> None:
    """«مسؤولة», «المسؤولات», «إحدى المسؤولات» wherever staff read of an administrator: never «مشرفة»,
    «أحد المشرفين» or «مسؤول مكتبك» beside them (issue 27)."""
    other_words = [
        form
        for message in catalog("ar")
        if message.id
        for form in _strings(message)
        if re.search(r"مشرف|مسؤول(?![ةا])", form)
    ]
    assert other_words == []


def test_a_wait_after_since_or_within_is_in_the_genitive() -> None:
    """«منذ ساعتين», not «منذ ساعتان»: the two-form of each unit said after a preposition (issue 27)."""
    units = [message for message in catalog("ar") if message.context == "after for" and message.id]
    assert len(units) == 6
    for message in units:
        forms = _strings(message)
        assert len(forms) == 6 and forms[2].endswith("ين"), forms
