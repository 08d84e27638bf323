"""Files sent through the console and waiting for the sender to confirm them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import Upload


def keep(session: Session, token: str, staff_id: int, name: str, content: bytes, now: datetime) -> None:
    session.add(Upload(token=token, staff_id=staff_id, name=name[:200], content=content, uploaded_at=now))
    session.flush()


def hers(session: Session, token: str, staff_id: int, since: datetime) -> Upload | None:
    """The file, if she sent it and it is not older than `since`."""
    return session.scalar(
        select(Upload).where(Upload.token == token, Upload.staff_id == staff_id, Upload.uploaded_at >= since)
    )


def waiting(session: Session) -> list[tuple[str, bytes]]:
    """Every file waiting for its sender's confirmation: its token and content."""
    return [
        (token, bytes(content)) for token, content in session.execute(select(Upload.token, Upload.content))
    ]


def forget(session: Session, token: str) -> None:
    session.execute(delete(Upload).where(Upload.token == token))


def forget_old(session: Session, before: datetime, limit: int | None = None) -> int:
    """Files sent before `before` (`limit` of them at most), forgotten; how many."""
    old = select(Upload.token).where(Upload.uploaded_at < before).order_by(Upload.uploaded_at).limit(limit)
    gone = session.execute(delete(Upload).where(Upload.token.in_(old.scalar_subquery())))
    return int(gone.rowcount)  # type: ignore[attr-defined]
