"""Where a family's data is stored beyond her own row, found in one place: for the copy she asks for
(`office.registrations.her_data`) and for deleting it (`forget`), so that both mean the same data.

Hers are: her registration and products; her conversations — linked to her, at her WhatsApp number, and
drafts on other channels holding her national ID or mobile —; her questions to her office (by her family,
by those chats, as a family of an office's list) with what was said on them; the offices' lists' rows with
her national ID or mobile; every message we started for her (the outbox: what it said, where it went) and the
platforms' reports of them; her answers to trainings, canteen applications and the decisions on them, quiz
results, the tips she saw and her daily tip; and, in staff's chats, the options that last listed her and what
they were typing about her. The audit log keeps its entries about her, by number only (decisions 0009 and
0117).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.channel import Channel
from core.text import fold
from storage import audit, beneficiaries, contacts, conversations, deliveries, threads
from storage.db import erased
from storage.models import (
    Beneficiary,
    BeneficiaryProduct,
    CanteenApplication,
    CanteenDecision,
    EventGuest,
    QuizResult,
    TipSeen,
    TipSubscription,
)

Chat = tuple[str, str]  # (channel, address)


@dataclass(frozen=True)
class Traces:
    family_id: int
    chats: tuple[Chat, ...]  # where she writes, or wrote, from
    thread_ids: tuple[int, ...]  # her questions to her office
    contact_ids: tuple[int, ...]  # the offices' lists' rows with her national ID or mobile
    application_ids: tuple[int, ...]


def of(session: Session, family: Beneficiary) -> Traces:
    """What is stored about her, beyond her row, by where it is."""
    values = {family.national_id, family.mobile} - {""}
    chats = dict.fromkeys(
        [
            *conversations.chats_of(session, family.id),
            (Channel.WHATSAPP.value, family.mobile),  # her WhatsApp address is her mobile
            *conversations.drafts_holding(session, values),
        ]
    )
    contact_ids = contacts.naming(session, family.national_id, family.mobile)
    applications = session.scalars(
        select(CanteenApplication.id).where(CanteenApplication.beneficiary_id == family.id)
    ).all()
    return Traces(
        family.id,
        tuple(chats),
        tuple(threads.hers(session, family.id, list(chats), contact_ids)),
        tuple(contact_ids),
        tuple(applications),
    )


# What references her by her family's number, deleted before her row (foreign keys would cascade most of
# it; deleted here by name, so that nothing depends on them).
_BY_FAMILY = (EventGuest, QuizResult, TipSeen, TipSubscription, BeneficiaryProduct)


def forget(session: Session, family_id: int) -> bool:
    """Delete everything stored about her, in one transaction (her right under PDPL); False if she was not
    registered. Her row is locked first, so that what staff write about her at this moment is committed
    before, and forgotten with the rest. Once it is committed, SQLite's write-ahead log is emptied
    (`erased`)."""
    family = beneficiaries.locked(session, family_id)
    if family is None:
        return False
    found = of(session, family)
    for target, ids in (
        ("family", [family_id]),
        ("application", found.application_ids),
        ("thread", found.thread_ids),
        ("contact", found.contact_ids),
    ):
        audit.forget_details(session, target, ids)  # what staff typed about her; the entries stay
    deliveries.forget_hers(session, family_id, found.thread_ids, found.contact_ids)
    threads.forget(session, found.thread_ids)
    conversations.forget_chats(session, family_id, found.chats)
    # What staff's chats last listed (her name in an option, her words) or were typing about her.
    conversations.forget_mentions(session, {fold(family.full_name), family.national_id, family.mobile[-9:]})
    contacts.forget(session, family.national_id, family.mobile)
    if found.application_ids:
        applications = list(found.application_ids)
        session.execute(delete(CanteenDecision).where(CanteenDecision.application_id.in_(applications)))
        session.execute(delete(CanteenApplication).where(CanteenApplication.id.in_(applications)))
    for model in _BY_FAMILY:
        session.execute(delete(model).where(model.beneficiary_id == family_id))
    session.execute(delete(Beneficiary).where(Beneficiary.id == family_id))
    session.expunge(family)
    erased(session)
    return True
