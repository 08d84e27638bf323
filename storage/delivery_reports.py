"""Delivery reports: what Twilio tells us about the messages we sent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import DeliveryReport


def record(
    session: Session,
    channel: str,
    provider_message_id: str,
    status: str,
    error_code: str | None,
    now: datetime,
) -> None:
    session.add(
        DeliveryReport(
            channel=channel,
            provider_message_id=provider_message_id,
            status=status,
            error_code=error_code,
            reported_at=now,
        )
    )


def reports_for(session: Session, provider_message_id: str) -> Sequence[DeliveryReport]:
    query = select(DeliveryReport).where(DeliveryReport.provider_message_id == provider_message_id)
    return session.scalars(query.order_by(DeliveryReport.id)).all()
