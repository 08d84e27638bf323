"""Conversation state per (channel, address), loaded at the start of a turn and saved at its end."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from storage.models import Conversation


def load(session: Session, channel: str, address: str) -> Conversation | None:
    return session.get(Conversation, (channel, address))


def start(session: Session, channel: str, address: str, language: str, now: datetime) -> Conversation:
    """A new, unsaved-until-commit conversation; a concurrent first message makes the commit conflict."""
    conversation = Conversation(
        channel=channel,
        address=address,
        language=language,
        answers={},
        offered=[],
        created_at=now,
        updated_at=now,
    )
    session.add(conversation)
    return conversation


def forget(session: Session, conversation: Conversation) -> None:
    if conversation in session:
        session.delete(conversation)
