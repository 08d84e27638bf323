"""A file sent through the console, kept between its check and her confirmation (an office's list of
families, a list of canteen opportunities): hers alone, for an hour at most (`KEPT`; the operator's
USAR_KEEP_UPLOADS), then forgotten by retention (`office.retention`)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.i18n import _
from office.errors import Problem, Refused
from office.rights import Actor, rights
from office.tables import Line
from storage import uploads

KEPT = timedelta(hours=1)  # a checked file waits this long for its confirmation, unless set otherwise


def hold(
    session: Session, actor: Actor, name: str, content: bytes, now: datetime, kept: timedelta = KEPT
) -> str:
    """A file sent through the console kept until she confirms it; the token that names it."""
    by = rights(session, actor)
    assert by.staff_id is not None, "the console always acts as a staff member"
    uploads.forget_old(session, now - kept)
    token = secrets.token_urlsafe(24)
    uploads.keep(session, token, by.staff_id, name, content, now)
    return token


def held(
    session: Session, actor: Actor, token: str, now: datetime, kept: timedelta = KEPT
) -> tuple[str, bytes]:
    """The file she sent and is confirming (its name and content); refused if it is not hers or older than
    `kept`."""
    by = rights(session, actor)
    found = uploads.hers(session, token, by.staff_id or 0, now - kept)
    if found is None:
        raise Refused([Problem(None, _("That file is no longer waiting: please send it again."))])
    return found.name, found.content


LINES = b"usar-lines 1\n"  # what a file kept as its lines starts with (`hold_lines`)


def hold_lines(
    session: Session, actor: Actor, name: str, lines: Sequence[Line], now: datetime, kept: timedelta = KEPT
) -> str:
    """A file already read and checked, kept until she confirms it as the lines read from it (each with its
    number in the file), not as the file: her confirmation does not read it again (a workbook of 50,000
    rows takes seconds to read); the token that names it. Kept as text (JSON, a line each), where a family
    who deletes her data finds her number as she would in a CSV."""
    return hold(session, actor, name, kept_as_lines(lines), now, kept)


def held_lines(
    session: Session, actor: Actor, token: str, now: datetime, kept: timedelta = KEPT
) -> tuple[str, list[Line]]:
    """The file she is confirming (`hold_lines`): its name and its lines; refused as `held` refuses."""
    name, content = held(session, actor, token, now, kept)
    return name, lines_of(content)


def kept_as_lines(lines: Sequence[Line]) -> bytes:
    """What `hold_lines` keeps of a file's lines: a first line saying so, then a JSON array a line."""
    return LINES + b"".join(
        json.dumps([line.number, line.values], ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        for line in lines
    )


def lines_of(content: bytes) -> list[Line]:
    """The lines `hold_lines` kept. A file kept otherwise (before lines were kept: an hour at most after an
    upgrade) is not a list of lines: refused, to be sent again."""
    if not content.startswith(LINES):
        raise Refused([Problem(None, _("That file is no longer waiting: please send it again."))])
    lines = []
    for kept_line in content[len(LINES) :].splitlines():
        number, values = json.loads(kept_line)
        lines.append(Line(int(number), {str(name): str(value) for name, value in values.items()}))
    return lines


def let_go(session: Session, token: str) -> None:
    uploads.forget(session, token)


def forget_naming(session: Session, national_id: str, mobile: str) -> int:
    """Files waiting for a confirmation that name her (she deleted her data), forgotten; a workbook, whose
    cells cannot be read as text, forgotten too: its sender sends it again. How many."""
    forgotten = 0
    local = "0" + mobile.removeprefix("+966") if mobile.startswith("+966") else mobile
    for token, content in uploads.waiting(session):
        text = content.decode("utf-8", "ignore").translate(ARABIC_DIGITS)
        workbook = content.startswith(b"PK")
        if workbook or national_id in text or mobile in text or local in text or mobile.lstrip("+") in text:
            uploads.forget(session, token)
            forgotten += 1
    return forgotten


ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
