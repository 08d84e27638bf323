"""Translation for the person being answered: the current language lives in a context variable.

`_` translates now; `N_` marks text declared at import time (a form's questions, option labels) and
returns a `LazyText` that translates when shown; `ngettext` chooses Arabic's six plural forms.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from locales import DEFAULT_LANGUAGE, LANGUAGES, translations

_language: ContextVar[str] = ContextVar("usar_language", default=DEFAULT_LANGUAGE)


def current_language() -> str:
    return _language.get()


@contextmanager
def use_language(language: str) -> Iterator[None]:
    token = _language.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _language.reset(token)


def set_language(language: str) -> None:
    """Switch the language for the rest of the current `use_language` block."""
    _language.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def _(message: str, **values: Any) -> str:
    text: str = translations(_language.get()).gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
    text: str = translations(_language.get()).ngettext(singular, plural, n)
    return text % {"count": n, **values}


def npgettext(context: str, singular: str, plural: str, n: int, **values: Any) -> str:
    """As `ngettext`, for words that are the same in English but not in Arabic («طلاب», «طالبات»)."""
    text: str = translations(_language.get()).npgettext(context, singular, plural, n)
    return text % {"count": n, **values}


@dataclass(frozen=True)
class LazyText:
    message: str

    def __str__(self) -> str:
        return _(self.message)

    def render(self, **values: Any) -> str:
        return _(self.message, **values)

    def in_language(self, language: str) -> str:
        with use_language(language):
            return _(self.message)


def N_(message: str) -> LazyText:
    return LazyText(message)


def in_every_language(message: LazyText | str) -> list[str]:
    """The text in each language we speak, for recognising a label typed in either."""
    if isinstance(message, LazyText):
        return [message.in_language(language) for language in LANGUAGES]
    return [message]
