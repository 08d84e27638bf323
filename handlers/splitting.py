"""Cutting a long reply into messages a platform accepts, at the gentlest place that fits.

Paragraphs first, then lines (so an option's line stays whole), then words; a single word longer than a
message (a long link) is the only thing ever cut.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from core.channel import Reply

Measure = Callable[[str], int]


def utf16_length(text: str) -> int:
    """Telegram counts message length in UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


def split_message(text: str, limit: int, measure: Measure = len) -> list[str]:
    """`text` in chunks of at most `limit` by `measure`, which must add up (the measure of a joined text is
    the sum of its parts'): every piece is measured once, so the work grows with the text alone."""
    if measure(text) <= limit:
        return [text]
    for separator in ("\n\n", "\n", " "):
        if separator in text:
            return _pack(text.split(separator), separator, limit, measure)
    return _cut(text, limit, measure)


def _pack(pieces: list[str], separator: str, limit: int, measure: Measure) -> list[str]:
    gap = measure(separator)
    chunks: list[str] = []
    current: list[str] = []  # the pieces of the chunk being filled, `width` wide once joined
    width = 0
    for piece in pieces:
        size = measure(piece)
        filled = len(current) > 1 or width > 0  # joined, it is not empty
        if filled and width + gap + size <= limit:
            current.append(piece)
            width += gap + size
            continue
        if not filled and size <= limit:
            current, width = [piece], size
            continue
        if filled:
            chunks.append(separator.join(current))
        if size <= limit:
            current, width = [piece], size
        else:
            *whole, last = split_message(piece, limit, measure) or [""]  # (blank: nothing to send)
            chunks.extend(whole)
            current, width = [last], measure(last)
    if len(current) > 1 or width > 0:
        chunks.append(separator.join(current))
    return [chunk for chunk in chunks if chunk.strip()]


def _cut(word: str, limit: int, measure: Measure) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    width = 0
    for char in word:
        size = measure(char)
        if width + size > limit:
            chunks.append("".join(current))
            current, width = [], 0
        current.append(char)
        width += size
    return [*chunks, "".join(current)] if current else chunks


def combine(replies: Sequence[Reply]) -> list[Reply]:
    """One message where a turn said several things: each reply without buttons is joined to the next.

    "Thank you, you are registered" and the main menu arrive as one message with the menu's buttons: fewer
    notifications for her, fewer calls against the platform's rate limit. A reply with options or a
    contact button ends a message, since buttons belong to the text they follow; so does one that removes the
    "share my number" keyboard, which no message with buttons can also carry, and one with a file, which
    follows its text.
    """
    combined: list[Reply] = []
    pending: list[str] = []
    for reply in replies:
        if reply.options or reply.contact_button or reply.close_keyboard or reply.attachment:
            combined.append(replace(reply, text="\n\n".join([*pending, reply.text])))
            pending = []
        else:
            pending.append(reply.text)
    if pending:
        combined.append(Reply(text="\n\n".join(pending)))
    return combined
