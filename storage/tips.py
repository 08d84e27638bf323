"""The food-safety library: topics, tips and quizzes; useful services; daily-tip subscriptions; what each
family has seen (no tip again until she has seen them all); quiz results.

Shipped content comes from locales/data/*.toml: `load_shipped` adds what the database does not have yet,
by id, and never overwrites: staff's edits and retirements survive upgrades.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from core.dates import RIYADH
from locales import DIRECTORY
from storage.models import (
    Beneficiary,
    QuizQuestion,
    QuizResult,
    Service,
    Tip,
    TipSeen,
    TipSubscription,
    TipTopic,
)
from storage.prepared import Prepared

TIPS_FILE = DIRECTORY / "data" / "tips.toml"
SERVICES_FILE = DIRECTORY / "data" / "services.toml"


def read_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as file:
        return tomllib.load(file)


def load_shipped(session: Session, tips_file: Path = TIPS_FILE, services_file: Path = SERVICES_FILE) -> int:
    """Add the shipped topics, tips, quizzes and services that are not in the database; how many."""
    added = 0
    if tips_file.exists():
        library = read_toml(tips_file)
        added += _add_missing(
            session, TipTopic, [_topic(item, n) for n, item in enumerate(library.get("topic", []))]
        )
        tips = [_tip(item, n) for n, item in enumerate(library.get("tip", []))]
        questions = [_question(item, n) for n, item in enumerate(library.get("quiz", []))]
        added += _add_missing(session, Tip, tips)
        added += _add_missing(session, QuizQuestion, questions)
        _complete_sources(session, Tip, tips)
        _complete_sources(session, QuizQuestion, questions)
    if services_file.exists():
        entries = read_toml(services_file).get("service", [])
        added += _add_missing(session, Service, [_service(item, n) for n, item in enumerate(entries)])
    return added


def _add_missing(session: Session, model: Any, rows: list[Any]) -> int:
    known = set(session.scalars(select(model.id)))
    new = [row for row in rows if row.id not in known]
    session.add_all(new)
    session.flush()
    return len(new)


def _complete_sources(session: Session, model: Any, shipped: list[Any]) -> None:
    """Rows stored before sources were given in Arabic get the shipped Arabic source; a staff one stays."""
    arabic = {row.id: row.source_ar for row in shipped if row.source_ar}
    for row in session.scalars(select(model).where(model.source_ar == "", model.id.in_(list(arabic)))):
        row.source_ar = arabic[row.id]
    session.flush()


def _topic(item: dict[str, Any], position: int) -> TipTopic:
    return TipTopic(id=item["id"], name_ar=item["ar"], name_en=item["en"], position=position)


def _tip(item: dict[str, Any], position: int) -> Tip:
    return Tip(
        id=item["id"],
        topic_id=item["topic"],
        text_ar=item["ar"],
        text_en=item["en"],
        source=item["source"],
        source_ar=item.get("source_ar", ""),
        position=position,
    )


def _question(item: dict[str, Any], position: int) -> QuizQuestion:
    return QuizQuestion(
        **_named(item, "id", "question_ar", "question_en", "explain_ar", "explain_en", "source"),
        topic_id=item["topic"],
        options_ar=list(item["options_ar"]),
        options_en=list(item["options_en"]),
        answer=int(item["answer"]),
        source_ar=item.get("source_ar", ""),
        position=position,
    )


def _service(item: dict[str, Any], position: int) -> Service:
    return Service(
        **_named(item, "id", "name_ar", "name_en", "about_ar", "about_en", "how_ar", "how_en"),
        link=item.get("link", ""),
        phone=item.get("phone", ""),
        offices=" ".join(item.get("offices", [])),
        position=position,
    )


def _named(item: dict[str, Any], *names: str) -> dict[str, Any]:
    """The values a shipped entry gives under its columns' own names."""
    return {name: item[name] for name in names}


# -- reading ------------------------------------------------------------------------------------------------


def topics(session: Session) -> Sequence[TipTopic]:
    """Topics that have at least one tip in use, in order."""
    in_use = select(Tip.topic_id).where(Tip.retired_at.is_(None))
    return session.scalars(select(TipTopic).where(TipTopic.id.in_(in_use)).order_by(TipTopic.position)).all()


def topic(session: Session, topic_id: str) -> TipTopic | None:
    return session.get(TipTopic, topic_id)


def tips_of(session: Session, topic_id: str) -> Sequence[Tip]:
    return session.scalars(
        select(Tip).where(Tip.topic_id == topic_id, Tip.retired_at.is_(None)).order_by(Tip.position)
    ).all()


@dataclass(frozen=True)
class LibraryTip:
    """A tip as the library answers with it: its words, its topic's name and its source, in both languages."""

    id: str
    text_ar: str
    text_en: str
    topic_ar: str
    topic_en: str
    source: str
    source_ar: str


_LIBRARY = Prepared(
    select(
        Tip.id,
        Tip.text_ar,
        Tip.text_en,
        TipTopic.name_ar.label("topic_ar"),
        TipTopic.name_en.label("topic_en"),
        Tip.source,
        Tip.source_ar,
    )
    .join(TipTopic, TipTopic.id == Tip.topic_id)
    .where(Tip.retired_at.is_(None))
    .order_by(TipTopic.position, Tip.position)
)


def _total(*columns: Any) -> Any:
    return func.coalesce(
        func.sum(sum((func.length(column) for column in columns[1:]), func.length(columns[0]))), 0
    )


# How the library stands, cheaply: how many tips and services are in use, and how long their texts are. The
# library's search keeps its index while this is unchanged (`conversations.family.library`).
_SIGNATURE = Prepared(
    select(
        select(func.count(Tip.id)).where(Tip.retired_at.is_(None)).scalar_subquery().label("tips"),
        select(_total(Tip.text_ar, Tip.text_en))
        .where(Tip.retired_at.is_(None))
        .scalar_subquery()
        .label("words"),
        select(_total(TipTopic.name_ar, TipTopic.name_en)).scalar_subquery().label("topics"),
        select(func.count(Service.id))
        .where(Service.retired_at.is_(None))
        .scalar_subquery()
        .label("services"),
        select(_total(Service.name_ar, Service.about_ar, Service.how_ar, Service.about_en, Service.how_en))
        .where(Service.retired_at.is_(None))
        .scalar_subquery()
        .label("said"),
    )
)


def library_signature(session: Session) -> tuple[int, ...]:
    """How the library stands (`_SIGNATURE`): equal signatures, the same tips and services."""
    found = _SIGNATURE.first(session)
    assert found is not None
    return tuple(int(value) for value in found.values())


def library(session: Session) -> list[LibraryTip]:
    """Every tip in use, for the library's answers (`conversations.family.library`)."""
    return [LibraryTip(**row) for row in _LIBRARY.rows(session)]


def quiz_of(session: Session, topic_id: str, size: int = 3) -> Sequence[QuizQuestion]:
    return session.scalars(
        select(QuizQuestion)
        .where(QuizQuestion.topic_id == topic_id, QuizQuestion.retired_at.is_(None))
        .order_by(QuizQuestion.position)
        .limit(size)
    ).all()


def question(session: Session, question_id: str) -> QuizQuestion | None:
    return session.get(QuizQuestion, question_id)


@dataclass(frozen=True)
class ListedService:
    """An entry of "Useful services" as families read it."""

    id: str
    name_ar: str
    name_en: str
    about_ar: str
    about_en: str
    how_ar: str
    how_en: str
    link: str
    phone: str
    offices: str  # space-separated codes of the offices whose families it serves; empty: every office

    def serves(self, office_code: str) -> bool:
        return office_code in self.offices.split()


# In the main menu: prepared once (`storage.prepared`).
_LISTED = Prepared(
    select(*(Service.__table__.c[name] for name in ListedService.__dataclass_fields__))
    .where(Service.retired_at.is_(None))
    .order_by(Service.position, Service.id)
)


def services(session: Session) -> list[ListedService]:
    return [ListedService(**row) for row in _LISTED.rows(session)]


# -- what she has seen, and her quizzes ---------------------------------------------------------------------


def mark_seen(session: Session, beneficiary_id: int, tip_id: str) -> None:
    if session.get(TipSeen, (beneficiary_id, tip_id)) is None:
        session.add(TipSeen(beneficiary_id=beneficiary_id, tip_id=tip_id))
        session.flush()


def seen_by(session: Session, beneficiary_id: int) -> list[str]:
    """The tips she has been sent or has read, by id."""
    return sorted(session.scalars(select(TipSeen.tip_id).where(TipSeen.beneficiary_id == beneficiary_id)))


def next_unseen(session: Session, beneficiary_id: int) -> Tip | None:
    """The first tip in library order she has not seen; when she has seen them all, a new round starts."""
    seen = select(TipSeen.tip_id).where(TipSeen.beneficiary_id == beneficiary_id)
    in_order = (
        select(Tip)
        .join(TipTopic, TipTopic.id == Tip.topic_id)
        .where(Tip.retired_at.is_(None))
        .order_by(TipTopic.position, Tip.position)
    )
    unseen = session.scalar(in_order.where(Tip.id.not_in(seen)).limit(1))
    if unseen is not None:
        return unseen
    session.execute(delete(TipSeen).where(TipSeen.beneficiary_id == beneficiary_id))
    return session.scalar(in_order.limit(1))


def record_quiz(
    session: Session, beneficiary_id: int, topic_id: str, score: int, total: int, now: datetime
) -> bool:
    """Keep her result; True if she passed (at least two answers in three right)."""
    passed = total > 0 and score * 3 >= total * 2
    session.add(
        QuizResult(
            beneficiary_id=beneficiary_id,
            topic_id=topic_id,
            score=score,
            total=total,
            passed=passed,
            taken_at=now,
        )
    )
    session.flush()
    return passed


def passed_topics(session: Session, beneficiary_id: int) -> set[str]:
    return set(
        session.scalars(
            select(QuizResult.topic_id).where(
                QuizResult.beneficiary_id == beneficiary_id, QuizResult.passed.is_(True)
            )
        )
    )


# -- daily tips ---------------------------------------------------------------------------------------------


def subscription(session: Session, beneficiary_id: int) -> TipSubscription | None:
    return session.get(TipSubscription, beneficiary_id)


def subscribe(session: Session, beneficiary_id: int, hour: int, now: datetime) -> None:
    """A daily tip at `hour`, Riyadh time (changing the hour keeps the day's tip from coming twice)."""
    current = subscription(session, beneficiary_id)
    if current is None:
        today, hour_now = riyadh_day_and_hour(now)
        first_day_done = today if hour <= hour_now else None  # the first tip at her hour, not at once
        session.add(
            TipSubscription(beneficiary_id=beneficiary_id, hour=hour, since=now, last_day=first_day_done)
        )
    else:
        current.hour = hour
    session.flush()


def unsubscribe(session: Session, beneficiary_id: int) -> bool:
    return bool(
        session.execute(
            delete(TipSubscription).where(TipSubscription.beneficiary_id == beneficiary_id)
        ).rowcount  # type: ignore[attr-defined]
    )


def riyadh_day_and_hour(now: datetime) -> tuple[date, int]:
    local = now.astimezone(RIYADH)
    return local.date(), local.hour


def due_subscriptions(
    session: Session, now: datetime, limit: int = 500
) -> Sequence[tuple[TipSubscription, datetime | None]]:
    """Subscriptions whose hour has come today (Riyadh) and that have not had today's tip, each with when
    she stopped messages (None: she did not)."""
    today, hour = riyadh_day_and_hour(now)
    rows = session.execute(
        select(TipSubscription, Beneficiary.opted_out_at)
        .join(Beneficiary, Beneficiary.id == TipSubscription.beneficiary_id)
        .where(
            TipSubscription.hour <= hour,
            or_(TipSubscription.last_day.is_(None), TipSubscription.last_day < today),
        )
        .order_by(TipSubscription.beneficiary_id)
        .limit(limit)
    ).all()
    return [(subscribed, opted_out_at) for subscribed, opted_out_at in rows]


def subscriber_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(TipSubscription)) or 0)


def results_of(session: Session, beneficiary_id: int) -> list[tuple[QuizResult, TipTopic]]:
    """Every quiz she took, the latest first."""
    rows = session.execute(
        select(QuizResult, TipTopic)
        .join(TipTopic, TipTopic.id == QuizResult.topic_id)
        .where(QuizResult.beneficiary_id == beneficiary_id)
        .order_by(QuizResult.taken_at.desc(), QuizResult.id.desc())
    ).all()
    return [(result, topic) for result, topic in rows]
