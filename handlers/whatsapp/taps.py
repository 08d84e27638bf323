"""A reply's options as WhatsApp taps, in the shapes of Twilio's content types: up to three options as
quick-reply buttons, four to ten as a list, more as pages of nine and "more". Nothing here sends: the sender
fills a content template of each shape with what this module makes (docs/DESIGN-NOTES.md §6).

WhatsApp's limits are counted as WhatsApp counts them: in UTF-16 code units, as its apps do, so an emoji
outside the basic plane («📆») counts two. A label longer than its title is cut after a whole word, never
inside one, with "…", and nothing she may need is hidden: a list item's whole label is under its title (its
description), and written in the body only when even that cannot hold it; where a button is cut, every
button's label is written in the body. A reply whose body would be longer than WhatsApp allows is not made
into taps (its numbered text is sent, as before).

    Reply("هل ستحضرين؟", [✅ سأحضر, ❌ لن أحضر])      → quick reply, two buttons
    Reply("القائمة الرئيسية", six options)           → list: button «الخيارات», six items
    Reply("اختاري مكتبك", twelve options), page 0    → list: nine items and «المزيد»
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from core.channel import Option, Reply

BUTTONS_MOST = 3
ITEMS_MOST = 10
PAGE = ITEMS_MOST - 1  # items of a page of a longer list: the tenth is "more"
BUTTON_TITLE = 20
ITEM_TITLE = 24
ITEM_DESCRIPTION = 72
BODY_MOST = 1024
ID_MOST = 200
MORE = "whatsapp:more"  # the id of a page's "more" item, followed by the page it opens: "whatsapp:more:1"
CUT = "…"
_MORE = re.compile(re.escape(MORE) + r":([0-9]{1,3})")


class Shape(StrEnum):
    """Twilio's content types for taps."""

    QUICK_REPLY = "twilio/quick-reply"
    LIST_PICKER = "twilio/list-picker"


@dataclass(frozen=True)
class Item:
    """A button or a list item: what she taps (`title`), what comes back (`id`), and under a list item's
    title, what did not fit in it (`description`)."""

    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class Taps:
    shape: Shape
    body: str
    items: tuple[Item, ...]
    button: str = ""  # a list's button, which opens it ("الخيارات")


@dataclass(frozen=True)
class Words:
    """What the taps say in her language: a list's button, and the item that opens the next page."""

    button: str
    more: str


def whatsapp_length(text: str) -> int:
    """The length of `text` as WhatsApp counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def shortened(label: str, most: int) -> str | None:
    """`label` in at most `most` (WhatsApp's) characters: whole, or cut after its last whole word that fits,
    with "…"; None when not even its first word fits."""
    if whatsapp_length(label) <= most:
        return label
    kept = ""
    for word in label.split():
        longer = f"{kept} {word}".strip()
        if whatsapp_length(longer + CUT) > most:
            break
        kept = longer
    return f"{kept}{CUT}" if kept else None


def taps(reply: Reply, words: Words, page: int = 0) -> Taps | None:
    """The reply's options as taps (the `page`-th nine of a longer list, from 0); None when it has no
    options, a payload longer than an id may be, or a body WhatsApp would refuse."""
    options = reply.options
    if not options or any(len(option.payload) > ID_MOST for option in options):
        return None
    if len(options) <= BUTTONS_MOST:
        return _buttons(reply.text, options)
    return _list(reply.text, options, words, page)


def pages(reply: Reply) -> int:
    """How many pages its options fill as taps (1 for up to ten)."""
    count = len(reply.options)
    return 1 if count <= ITEMS_MOST else -(-count // PAGE)


def more_page(tapped: str) -> int | None:
    """The page a tapped "more" opens; None for any other tap."""
    found = _MORE.fullmatch(tapped)
    return None if found is None else int(found.group(1))


def _buttons(text: str, options: tuple[Option, ...]) -> Taps | None:
    items = []
    for number, option in enumerate(options, start=1):
        items.append(Item(option.payload, shortened(option.label, BUTTON_TITLE) or str(number)))
    # A button has no room for more: where one is cut, every label is written whole in the body, in the
    # buttons' order, so that none of them stands out (a quiz's answer would).
    cut = any(item.title != option.label for item, option in zip(items, options, strict=True))
    body = _body(text, [f"• {option.label}" for option in options] if cut else [])
    return None if body is None else Taps(Shape.QUICK_REPLY, body, tuple(items))


def _list(text: str, options: tuple[Option, ...], words: Words, page: int) -> Taps | None:
    paged = len(options) > ITEMS_MOST
    first = page * PAGE if paged else 0
    shown = options[first : first + PAGE] if paged else options
    if not shown:
        return None
    items, cut = [], []
    for number, option in enumerate(shown, start=first + 1):
        title = shortened(option.label, ITEM_TITLE) or str(number)
        # What the title could not hold is under it, in its description; in the body only beyond that.
        description = "" if title == option.label else shortened(option.label, ITEM_DESCRIPTION) or ""
        items.append(Item(option.payload, title, description))
        if title != option.label and description != option.label:
            cut.append(f"• {option.label}")
    if paged and first + PAGE < len(options):
        items.append(Item(f"{MORE}:{page + 1}", shortened(words.more, ITEM_TITLE) or CUT))
    body = _body(text, cut)
    button = shortened(words.button, BUTTON_TITLE) or CUT
    return None if body is None else Taps(Shape.LIST_PICKER, body, tuple(items), button)


def _body(text: str, cut: list[str]) -> str | None:
    body = "\n".join([text, *cut]) if cut else text
    return body if 0 < whatsapp_length(body) <= BODY_MOST else None
