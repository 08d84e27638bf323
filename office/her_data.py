"""A copy of everything stored about a family, as she asks for it from "My account" (her right under PDPL to
see her data): read once, in one place (`gather`, called by the action `registrations.her_data`), and
written for her twice — as messages in her language (`conversations.family.my_data`) and as a file
(`as_file`: JSON, what was stored, as it was stored). Which rows are hers is what deleting her data deletes
(`storage.traces`), so that what she is shown is what would be deleted. Decision 0117.

Left out: what her office's staff wrote to each other about her question (notes she never sees), and the
audit log, whose entries about her are the office's record of its own work; what they did to her
registration is in it as its dates (verified, a correction asked, and why).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from storage import beneficiaries, canteens, conversations, deliveries, events, offices, threads, tips, traces
from storage.conversations import Chat
from storage.kinds import Message
from storage.models import Beneficiary
from storage.threads import NOTE

# A text in each language it is stored in: "ar" always, "en" where it was given.
Texts = Mapping[str, str]


def in_language(texts: Texts, language: str) -> str:
    return texts.get(language) or texts.get("ar", "")


def _texts(ar: str | None, en: str | None) -> dict[str, str]:
    return {language: text for language, text in (("ar", ar or ""), ("en", en or "")) if text}


@dataclass(frozen=True)
class Registration:
    full_name: str
    national_id: str
    mobile: str
    mobile_confirmed_at: datetime | None  # a channel vouched for it (her WhatsApp, a contact she shared)
    office_code: str
    office: Texts
    products: tuple[str, ...]
    health_certificate: bool
    canteen_interest: bool
    language: str
    consented_at: datetime
    registered_at: datetime
    verified_at: datetime | None
    correction_asked_at: datetime | None
    correction_reason: str | None
    messages_stopped_at: datetime | None  # she sent STOP
    blocked_at: datetime | None  # she blocked the bot


@dataclass(frozen=True)
class Invitation:
    event_id: int
    title: Texts
    starts_at: datetime
    venue: Texts
    answer: str  # `core.domain.GuestStatus`
    invited_at: datetime | None
    answered_at: datetime | None
    waitlisted_at: datetime | None
    attended_at: datetime | None


@dataclass(frozen=True)
class Decision:
    status: str  # `core.domain.ApplicationStatus`
    reason: str | None
    decided_at: datetime


@dataclass(frozen=True)
class Application:
    opportunity_id: int
    school_name: str
    district: str
    applied_at: datetime
    status: str
    reason: str | None
    decisions: tuple[Decision, ...]  # each decision her office took, in order


@dataclass(frozen=True)
class QuizTaken:
    topic: Texts
    taken_at: datetime
    score: int
    total: int
    passed: bool


@dataclass(frozen=True)
class Tips:
    daily_at_hour: int | None  # Riyadh time; None: no daily tip
    daily_since: datetime | None
    seen: tuple[str, ...]  # the tips she was sent or read, by id


@dataclass(frozen=True)
class Sent:
    """A message we started for her (the outbox): what it said, when, where, and what became of it."""

    kind: str  # `storage.kinds`
    made_at: datetime
    channel: str | None
    outcome: str  # the platform's last report (delivered, read …), else the outbox's status
    text: Texts


@dataclass(frozen=True)
class Said:
    by: str  # "family" (she) or "staff" (her office)
    at: datetime
    text: str
    file: str | None  # what she sent with it: "voice", "photo", "document" …
    file_name: str


@dataclass(frozen=True)
class Question:
    number: int
    office_code: str
    office: Texts
    topic: str
    status: str  # "open" or "closed"
    opened_at: datetime
    closed_at: datetime | None
    said: tuple[Said, ...]


@dataclass(frozen=True)
class HerData:
    made_at: datetime
    registration: Registration
    chats: tuple[Chat, ...]  # where she writes from
    invitations: tuple[Invitation, ...]  # the latest event first
    applications: tuple[Application, ...]  # the latest first
    quizzes: tuple[QuizTaken, ...]  # the latest first
    tips: Tips
    messages: tuple[Sent, ...]  # the oldest first
    questions: tuple[Question, ...]  # the oldest first


def gather(session: Session, family_id: int, now: datetime) -> HerData | None:
    """Everything stored about her (None: she is not registered)."""
    family = beneficiaries.beneficiary(session, family_id)
    if family is None:
        return None
    found = traces.of(session, family)
    office_names = {
        office.code: _texts(office.name_ar, office.name_en) for office in offices.every_office(session)
    }
    return HerData(
        made_at=now,
        registration=_registration(family, office_names),
        chats=tuple(conversations.chats(session, family_id, found.chats)),
        invitations=tuple(
            Invitation(
                event.id,
                _texts(event.title_ar, event.title_en),
                event.starts_at,
                _texts(event.venue_ar, event.venue_en),
                guest.status,
                guest.invited_at,
                guest.answered_at,
                guest.waitlisted_at,
                guest.attended_at,
            )
            for event, guest in events.invitations_of(session, family_id)
        ),
        applications=_applications(session, family_id),
        quizzes=tuple(
            QuizTaken(
                _texts(topic.name_ar, topic.name_en),
                result.taken_at,
                result.score,
                result.total,
                result.passed,
            )
            for result, topic in tips.results_of(session, family_id)
        ),
        tips=_tips(session, family_id),
        messages=tuple(
            Sent(
                delivery.kind,
                delivery.created_at,
                delivery.channel,
                report or delivery.status,
                dict(Message.from_json(delivery.payload).texts) if delivery.payload else {},
            )
            for delivery, report in deliveries.to_her(session, family_id, found.thread_ids, found.contact_ids)
        ),
        questions=_questions(session, found.thread_ids, office_names),
    )


def _registration(family: Beneficiary, office_names: Mapping[str, Texts]) -> Registration:
    return Registration(
        full_name=family.full_name,
        national_id=family.national_id,
        mobile=family.mobile,
        mobile_confirmed_at=family.mobile_verified_at,
        office_code=family.office_code,
        office=office_names.get(family.office_code, {"ar": family.office_code}),
        products=tuple(product.value for product in family.products),
        health_certificate=family.health_certificate,
        canteen_interest=family.canteen_interest,
        language=family.language,
        consented_at=family.consented_at,
        registered_at=family.registered_at,
        verified_at=family.verified_at,
        correction_asked_at=family.correction_asked_at,
        correction_reason=family.correction_reason,
        messages_stopped_at=family.opted_out_at,
        blocked_at=family.blocked_at,
    )


def _applications(session: Session, family_id: int) -> tuple[Application, ...]:
    made = canteens.her_applications(session, family_id)
    decided = canteens.decisions_on(session, [application.id for application, _ in made])
    return tuple(
        Application(
            opportunity.id,
            opportunity.school_name,
            opportunity.district,
            application.applied_at,
            application.status,
            application.reason,
            tuple(
                Decision(decision.status, decision.reason, decision.decided_at)
                for decision in decided.get(application.id, [])
            ),
        )
        for application, opportunity in made
    )


def _tips(session: Session, family_id: int) -> Tips:
    daily = tips.subscription(session, family_id)
    return Tips(
        daily.hour if daily is not None else None,
        daily.since if daily is not None else None,
        tuple(tips.seen_by(session, family_id)),
    )


def _questions(
    session: Session, thread_ids: tuple[int, ...], office_names: Mapping[str, Texts]
) -> tuple[Question, ...]:
    found = []
    for thread in threads.by_ids(session, thread_ids):
        said = tuple(
            Said(message.author, message.at, message.text, message.media_kind, message.media_name)
            for message in threads.messages(session, thread.id)
            if message.author != NOTE  # staff's notes to each other: she never sees them
        )
        office = office_names.get(thread.office_code, {"ar": thread.office_code})
        found.append(
            Question(
                thread.id,
                thread.office_code,
                office,
                thread.topic,
                thread.status,
                thread.opened_at,
                thread.closed_at,
                said,
            )
        )
    return tuple(found)


FILE_TYPE = "application/json"


def file_name(data: HerData) -> str:
    """The file's name on her phone: the day it was made (UTC, as its times)."""
    return f"usar-my-data-{data.made_at.date().isoformat()}.json"


def as_file(data: HerData) -> bytes:
    """The copy as a file: JSON in UTF-8 (Arabic as it is written, not escaped), every time in UTC, every
    value as it is stored (statuses and kinds by their names)."""
    return json.dumps(asdict(data), ensure_ascii=False, indent=2, default=_plain).encode("utf-8")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not written in a copy of her data")
