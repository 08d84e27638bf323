"""Audiences: which families a message is for, as a query (never a list loaded into memory).

An `Audience` combines segments; each one left empty means "everyone" on that count. Families who stopped
announcements or blocked the bot are never in an audience; `count` says how many were left out for each.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, select
from sqlalchemy.orm import Session

from storage.models import Beneficiary, BeneficiaryProduct, Contact, Conversation


@dataclass(frozen=True)
class Audience:
    offices: tuple[str, ...] = ()  # office codes; empty: every office
    verified: bool | None = None  # True: verified by their office; False: still pending; None: both
    canteen_interest: bool | None = None
    health_certificate: bool | None = None
    products: tuple[str, ...] = ()  # any of these product codes
    channel: str | None = None  # only families who have written to us on this channel
    # Instead of registered families: the contacts of offices' lists not yet registered (an invitation to
    # register, sent on WhatsApp to their mobile). Only `offices` applies to them.
    contacts: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            key: list(value) if isinstance(value, tuple) else value for key, value in asdict(self).items()
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Audience:
        return cls(
            offices=tuple(data.get("offices", ())),
            verified=data.get("verified"),
            canteen_interest=data.get("canteen_interest"),
            health_certificate=data.get("health_certificate"),
            products=tuple(data.get("products", ())),
            channel=data.get("channel"),
            contacts=bool(data.get("contacts", False)),
        )

    @property
    def recipient(self) -> Literal["beneficiary_id", "contact_id"]:
        """The outbox column its deliveries are addressed by."""
        return "contact_id" if self.contacts else "beneficiary_id"


@dataclass(frozen=True)
class Count:
    reached: int
    stopped: int = field(default=0)  # in the segment, but they stopped announcements
    blocked: int = field(default=0)  # in the segment, but they blocked the bot (and did not stop)


def segment(audience: Audience, *, walked: bool = False) -> list[ColumnElement[bool]]:
    """The conditions on a family of being in the audience. `walked`: checked on each family of a list walked
    in its order, one that is known to hold many of them (storage.beneficiaries.page_query)."""
    family = Beneficiary
    conditions: list[ColumnElement[bool]] = []
    if audience.offices:
        conditions.append(family.office_code.in_(audience.offices))
    if audience.verified is not None:
        conditions.append(
            family.verified_at.is_not(None) if audience.verified else family.verified_at.is_(None)
        )
    if audience.canteen_interest is not None:
        conditions.append(family.canteen_interest == audience.canteen_interest)
    if audience.health_certificate is not None:
        conditions.append(family.health_certificate == audience.health_certificate)
    if audience.products:
        conditions.append(_making(audience, walked))
    if audience.channel is not None:
        conditions.append(
            exists().where(Conversation.beneficiary_id == family.id, Conversation.channel == audience.channel)
        )
    return conditions


def _making(audience: Audience, walked: bool) -> ColumnElement[bool]:
    """The family makes one of the audience's products. Within some offices, one of the families of those
    offices' range of the index of (office, product, family) (decision 0122): as quick when none of them
    makes it as when every family of other offices does. Of every office, or checked on each family walked
    (`walked`: where a range that holds many would be read whole first), whether she has such a row."""
    if audience.offices and not walked:
        return Beneficiary.id.in_(
            select(BeneficiaryProduct.beneficiary_id).where(
                BeneficiaryProduct.office_code.in_(audience.offices),
                BeneficiaryProduct.product.in_(audience.products),
            )
        )
    return exists().where(
        BeneficiaryProduct.beneficiary_id == Beneficiary.id, BeneficiaryProduct.product.in_(audience.products)
    )


def families(audience: Audience) -> Select[Any]:
    """The ids of the families (or contacts) the audience reaches: one column, for INSERT … SELECT."""
    if audience.contacts:
        return select(Contact.id).where(*_contact_segment(audience), Contact.opted_out_at.is_(None))
    return select(Beneficiary.id).where(
        *segment(audience), Beneficiary.opted_out_at.is_(None), Beneficiary.blocked_at.is_(None)
    )


def _contact_segment(audience: Audience) -> list[ColumnElement[bool]]:
    on_the_list = Contact.removed_at.is_(None)  # not taken off it by her office
    return [on_the_list, Contact.office_code.in_(audience.offices)] if audience.offices else [on_the_list]


def by_last_channel(
    session: Session, audience: Audience, window_start: datetime
) -> dict[tuple[str, bool], int]:
    """How many of the audience's families used each channel last (where the outbox sends), split by whether
    they wrote since `window_start` (WhatsApp's window for messages that are not templates)."""
    ranked = (
        select(
            Conversation.beneficiary_id,
            Conversation.channel,
            Conversation.last_inbound_at,
            func.row_number()
            .over(
                partition_by=Conversation.beneficiary_id,
                order_by=(Conversation.last_inbound_at.desc().nulls_last(), Conversation.updated_at.desc()),
            )
            .label("latest"),
        )
        .where(Conversation.beneficiary_id.in_(families(audience).scalar_subquery()))
        .subquery()
    )
    fresh = case((ranked.c.last_inbound_at >= window_start, True), else_=False)
    rows = session.execute(
        select(ranked.c.channel, fresh, func.count())
        .where(ranked.c.latest == 1)
        .group_by(ranked.c.channel, fresh)
    ).all()
    return {(channel, bool(recent)): int(number) for channel, recent, number in rows}


def count(session: Session, audience: Audience) -> Count:
    if audience.contacts:
        query = select(func.count(), func.count(Contact.opted_out_at)).where(*_contact_segment(audience))
        total, stopped = (int(number) for number in session.execute(query).one())
        return Count(reached=total - stopped, stopped=stopped)
    only_blocked = and_(Beneficiary.blocked_at.is_not(None), Beneficiary.opted_out_at.is_(None))
    in_segment = select(
        func.count(),
        func.count(Beneficiary.opted_out_at),
        func.count(case((only_blocked, 1))),
    ).where(*segment(audience))
    total, stopped, blocked = (int(number) for number in session.execute(in_segment).one())
    return Count(reached=total - stopped - blocked, stopped=stopped, blocked=blocked)
