"""Greetings and thanks: answered in kind, and the question she was at asked again.

People open a chat with "السلام عليكم" and close it with "شكراً". Neither is an answer to anything: taken
as one, a greeting became her name, and at a menu it was "Sorry, I did not understand" on every visit. Only a
whole message that is one of these phrases counts ("مرحبا، أريد التسجيل" is not a greeting).
"""

from __future__ import annotations

from core.i18n import N_, LazyText
from core.text import fold

PEACE = N_("And peace be upon you 🌷")  # «وعليكم السلام»: owed to «السلام عليكم», even before a welcome
_PHRASES: dict[LazyText, tuple[str, ...]] = {
    PEACE: (
        "السلام عليكم",
        "السلام عليكم ورحمة الله",
        "السلام عليكم ورحمة الله وبركاته",
        "سلام عليكم",
        "السلام",
        "سلام",
        "salam",
        "assalamu alaikum",
    ),
    N_("Hello, welcome 🌷"): (
        "مرحبا",
        "مرحبا بك",
        "مرحبتين",
        "اهلا",
        "اهلين",
        "اهلا وسهلا",
        "هلا",
        "هلا والله",
        "صباح الخير",
        "صباح النور",
        "مساء الخير",
        "مساء النور",
        "hello",
        "hi",
        "hey",
        "good morning",
        "good evening",
        "good afternoon",
    ),
    N_("You are welcome, we are here to help 🌷"): (
        "شكرا",
        "شكرا لك",
        "شكرا لكم",
        "شكرا جزيلا",
        "مشكوره",
        "مشكورين",
        "يعطيك العافيه",
        "جزاك الله خير",
        "جزاك الله خيرا",
        "جزاكم الله خير",
        "جزاكم الله خيرا",
        "thanks",
        "thank you",
        "thank you very much",
        "thanks a lot",
    ),
}
_ANSWERS = {fold(phrase): answer for answer, phrases in _PHRASES.items() for phrase in phrases}


_GREETINGS_OF_PEACE = sorted(
    (fold(phrase) for phrase in _PHRASES[PEACE] if fold(phrase) not in ("سلام", "السلام", "salam")),
    key=len,
    reverse=True,
)


def returned_peace(text: str) -> LazyText | None:
    """«وعليكم السلام» when the message is, or opens with, «السلام عليكم» («السلام عليكم، أبغى أسجل»)."""
    folded = fold(text)
    if _ANSWERS.get(folded) is PEACE:
        return PEACE
    opens = any(folded.startswith(phrase + " ") for phrase in _GREETINGS_OF_PEACE)
    return PEACE if opens else None


def courtesy(text: str) -> LazyText | None:
    """The answer in kind when the whole message is a greeting or thanks; None otherwise."""
    return _ANSWERS.get(fold(text))
