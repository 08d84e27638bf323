"""Delivery reports: what Twilio tells us about the messages we sent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, select, tuple_
from sqlalchemy.orm import Session

from storage import seen
from storage.models import DeliveryReport

# What the columns hold: a longer value is refused where it arrives.
REPORT_ID_LENGTH, REPORT_STATUS_LENGTH, REPORT_ERROR_LENGTH = 64, 32, 16


def record(
    session: Session,
    channel: str,
    provider_message_id: str,
    status: str,
    error_code: str | None,
    now: datetime,
) -> bool:
    """The report, kept once: the same status of the same message again (a platform's retry, another web
    process) is not recorded twice. False if it was a repeat."""
    if not seen.first_time(session, f"{channel}-status", f"{provider_message_id}:{status}", now):
        return False
    session.add(
        DeliveryReport(
            channel=channel,
            provider_message_id=provider_message_id,
            status=status,
            error_code=error_code,
            reported_at=now,
        )
    )
    return True


def forget(session: Session, reported: Select[Any, Any]) -> None:
    """What the platforms reported of these messages (`reported` selects their channel and the platform's
    id), and the marks that kept each report from being recorded twice, deleted: what is left of the
    messages of a family who deleted her data."""
    found = session.execute(
        select(
            DeliveryReport.id,
            DeliveryReport.channel,
            DeliveryReport.provider_message_id,
            DeliveryReport.status,
        ).where(tuple_(DeliveryReport.channel, DeliveryReport.provider_message_id).in_(reported))
    ).all()
    seen.forget(
        session, [(f"{channel}-status", f"{message}:{status}") for _, channel, message, status in found]
    )
    if found:
        session.execute(delete(DeliveryReport).where(DeliveryReport.id.in_([row.id for row in found])))


def reports_for(session: Session, provider_message_id: str) -> Sequence[DeliveryReport]:
    query = select(DeliveryReport).where(DeliveryReport.provider_message_id == provider_message_id)
    return session.scalars(query.order_by(DeliveryReport.id)).all()
