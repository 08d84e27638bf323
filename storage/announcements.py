"""Announcements: create one, enqueue it when its time comes (once), cancel it, and see its progress."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import audiences, deliveries, kinds, locks
from storage.audiences import Audience
from storage.db import added
from storage.kinds import Message
from storage.models import Announcement, Beneficiary, Delivery, DeliveryReport

KIND = kinds.ANNOUNCEMENT


def create(
    session: Session,
    text_ar: str,
    text_en: str | None,
    audience: Audience,
    created_by: str,
    send_at: datetime,
    now: datetime,
) -> Announcement:
    announcement = Announcement(
        text_ar=text_ar,
        text_en=text_en,
        audience=audience.as_json(),
        created_by=created_by,
        created_at=now,
        send_at=send_at,
    )
    return added(session, announcement)


def enqueue_due(session: Session, now: datetime) -> list[int]:
    """Every announcement whose time has come becomes its deliveries, once; the ids enqueued."""
    due: Sequence[Announcement] = session.scalars(
        select(Announcement)
        .where(
            Announcement.enqueued_at.is_(None),
            Announcement.cancelled_at.is_(None),
            Announcement.send_at <= now,
        )
        .order_by(Announcement.send_at)
        .with_for_update(skip_locked=True)
    ).all()
    for announcement in due:
        message = Message({"ar": announcement.text_ar, "en": announcement.text_en or announcement.text_ar})
        audience = Audience.from_json(announcement.audience)
        recipients = audiences.families(audience)
        # Under the announcement's lock, and each family (or contact) once: see `deliveries.enqueue`.
        deliveries.enqueue(
            session,
            KIND,
            announcement.id,
            recipients,
            message,
            announcement.send_at,
            now,
            audience.recipient,
            distinct=True,
        )
        announcement.enqueued_at = now
    return [announcement.id for announcement in due]


def cancel(session: Session, announcement_id: int, now: datetime) -> bool:
    """Stop it: not sent if scheduled; what is not yet sent of a running one is not sent. False if unknown."""
    announcement = session.get(Announcement, announcement_id)
    if announcement is None:
        return False
    announcement.cancelled_at = announcement.cancelled_at or now
    deliveries.cancel_pending(session, KIND, [announcement_id], now)
    return True


@dataclass(frozen=True)
class Progress:
    total: int
    pending: int
    sent: int
    delivered: int  # of those sent, confirmed delivered or read (WhatsApp's reports)
    blocked: int
    needs_template: int
    failed: int
    cancelled: int


def find(session: Session, announcement_id: int) -> Announcement | None:
    return session.get(Announcement, announcement_id)


def locked(session: Session, announcement_id: int) -> Announcement | None:
    """The announcement as it is now, locked until the transaction ends (the scheduler may be enqueuing it:
    a cancel waits for that, then cancels what it enqueued)."""
    return locks.row(session, Announcement, announcement_id)


def progress(session: Session, announcement_id: int) -> Progress:
    by_status = deliveries.counts(session, KIND, announcement_id)
    delivered = session.scalar(
        select(func.count(func.distinct(DeliveryReport.provider_message_id)))
        .join(Delivery, Delivery.provider_message_id == DeliveryReport.provider_message_id)
        .where(
            Delivery.kind == KIND.name,
            Delivery.source_id == announcement_id,
            DeliveryReport.status.in_(("delivered", "read")),
        )
    )
    pending = by_status.get("pending", 0) + by_status.get("sending", 0)
    return Progress(
        total=sum(by_status.values()),
        pending=pending,
        sent=by_status.get("sent", 0),
        delivered=int(delivered or 0),
        blocked=by_status.get("blocked", 0),
        needs_template=by_status.get("needs_template", 0),
        failed=by_status.get("failed", 0),
        cancelled=by_status.get("cancelled", 0),
    )


def recent(session: Session, office_code: str | None, limit: int = 5) -> list[Announcement]:
    """The latest announcements, newest first: all of them (office_code None) or those that reach one
    office's families (addressed to it, or to every office). Announcements are few (tens a month): the
    latest hundred are looked through."""
    latest = session.scalars(select(Announcement).order_by(Announcement.id.desc()).limit(100)).all()
    if office_code is None:
        return list(latest[:limit])
    return [a for a in latest if reaches(a, office_code)][:limit]


def reaches(announcement: Announcement, office_code: str) -> bool:
    offices = Audience.from_json(announcement.audience).offices
    return not offices or office_code in offices


NOT_REACHED = ("blocked", "needs_template", "failed")


@dataclass(frozen=True)
class NotReached:
    """A family an announcement did not reach, and why (a delivery's status, and the platform's error)."""

    beneficiary_id: int | None
    name: str
    office_code: str
    channel: str | None
    status: str
    error: str | None


def not_reached(
    session: Session, announcement_id: int, office_code: str | None, limit: int
) -> list[NotReached]:
    """Those its messages did not reach (blocked, needing a WhatsApp template, failed), by name; of one
    office's families where `office_code` is given. Registered families only: contacts of an imported list
    are counted, not named here."""
    query = (
        select(
            Delivery.beneficiary_id,
            Beneficiary.full_name,
            Beneficiary.office_code,
            Delivery.channel,
            Delivery.status,
            Delivery.last_error,
        )
        .join(Beneficiary, Beneficiary.id == Delivery.beneficiary_id)
        .where(
            Delivery.kind == KIND.name,
            Delivery.source_id == announcement_id,
            Delivery.status.in_(NOT_REACHED),
        )
        .order_by(Delivery.status, Beneficiary.full_name, Delivery.id)
        .limit(limit)
    )
    if office_code is not None:
        query = query.where(Beneficiary.office_code == office_code)
    return [NotReached(*row) for row in session.execute(query).all()]
