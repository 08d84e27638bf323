"""Options that flows of both sides offer: the active offices, what a family makes, and an event shown."""

from __future__ import annotations

from collections.abc import Sequence

from conversations.engine.turn import Turn
from core.channel import Offer
from core.domain import Product
from core.payloads import Payload
from office.words import PRODUCT_LABELS
from storage import offices


class OfficeChoice(Payload, prefix="office"):
    """An office chosen (its code)."""

    code: str


class ProductChoice(Payload, prefix="product"):
    product: Product


class ShowEvent(Payload, prefix="event"):
    """An event to show: a family's training, or an event in the staff's list."""

    event: int


def office_options(turn: Turn) -> Sequence[Offer]:
    """The active offices, each also found by its name in the other language."""
    return [
        Offer(
            label=office.name(turn.language),
            payload=OfficeChoice(office.code),
            aliases=(office.name_ar, office.name_en),
        )
        for office in offices.active_offices(turn.session)
    ]


def product_options(turn: Turn) -> Sequence[Offer]:
    return [Offer(label=label, payload=ProductChoice(product)) for product, label in PRODUCT_LABELS.items()]
