"""Tips and useful services in spreadsheets (`usar tips import|export`, `usar services import|export`, and the
console's downloads): administrators add, edit and retire tips and service entries with a spreadsheet. Export
writes every row (retired ones marked); import adds the rows with new ids and updates the others, checking
every line first: one bad line and nothing is changed. Each import and export is recorded in the audit log.

Tips:     id, topic, ar, en, source, source_ar, retired
Services: id, name_ar, name_en, about_ar, about_en, how_ar, how_en, link, retired
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.i18n import N_, LazyText
from office.audit import action, record
from office.errors import RejectedFile
from office.rights import Actor, Rights, rights
from office.sheets import Column, Out, write
from office.tables import Line, read_lines
from storage import offices
from storage.models import Service, Tip, TipTopic

ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
ARABIC = re.compile(r"[\u0600-\u06ff]")
YES = ("yes", "y", "1", "true", "نعم")
TIP_COLUMNS = {
    "id": ("id",),
    "topic": ("topic", "الموضوع"),
    "ar": ("ar", "arabic", "العربية", "النص العربي"),
    "en": ("en", "english", "الإنجليزية", "النص الإنجليزي"),
    "source": ("source", "المصدر"),
    "source_ar": ("source_ar", "المصدر بالعربية"),
    "retired": ("retired", "موقوفة", "متوقفة"),
}
SERVICE_COLUMNS = {
    name: (name,)
    for name in (
        "id",
        "name_ar",
        "name_en",
        "about_ar",
        "about_en",
        "how_ar",
        "how_en",
        "link",
        "phone",
        "offices",
        "retired",
    )
}
TIP_OPTIONAL = ("source_ar",)  # files exported before it existed still import
SERVICE_OPTIONAL = ("phone", "offices")  # files exported before they existed still import
Kept = TypeVar("Kept", Tip, Service)  # what an administrator keeps in a spreadsheet


def _problems_of(
    line: Line, required: Sequence[str], arabic: Sequence[str], english: Sequence[str]
) -> list[str]:
    values = line.values
    found = []
    if not ID.match(values["id"]):
        found.append("id: lowercase letters, digits, - and _, up to 32")
    found += [f"{column}: empty" for column in required if not values[column]]
    found += [
        f"{column}: no Arabic in it"
        for column in arabic
        if values[column] and not ARABIC.search(values[column])
    ]
    found += [f"{column}: Arabic in the English text" for column in english if ARABIC.search(values[column])]
    return found


def _check_all(lines: Sequence[Line], problems_of: Callable[[Line], list[str]]) -> None:
    problems: list[str] = []
    first: dict[str, int] = {}
    for line in lines:
        problems += [f"line {line.number}: {problem}" for problem in problems_of(line)]
        earlier = first.setdefault(line.values["id"], line.number)
        if earlier != line.number:
            problems.append(f"line {line.number}: the same id as line {earlier}")
    if problems:
        raise RejectedFile(problems)


def _retired(line: Line, current: datetime | None, now: datetime) -> datetime | None:
    if line.values["retired"].strip().lower() in YES:
        return current or now
    return None


def _upsert(
    session: Session,
    model: type[Kept],
    lines: Sequence[Line],
    edit: Callable[[Kept, dict[str, str]], None],
    now: datetime,
) -> int:
    """Each line edits the row of its id, or a new row at the end of the list (retired as the line says);
    how many rows are new."""
    existing = {row.id: row for row in session.scalars(select(model))}
    last = max((row.position for row in existing.values()), default=0)
    added = 0
    for line in lines:
        row = existing.get(line.values["id"])
        if row is None:
            last += 1
            row = model(id=line.values["id"], position=last)
            session.add(row)
            added += 1
        edit(row, line.values)
        row.retired_at = _retired(line, row.retired_at, now)
    session.flush()
    return added


@action
def import_tips(session: Session, actor: Actor, path: Path, now: datetime) -> tuple[int, int]:
    """An administrator's spreadsheet of tips saved: (added, updated)."""
    by = _administrator(session, actor)  # before the file is read: a refusal says nothing of its lines
    lines = read_lines(path, TIP_COLUMNS, optional=TIP_OPTIONAL)
    topics = set(session.scalars(select(TipTopic.id)))

    def problems_of(line: Line) -> list[str]:
        found = _problems_of(line, ("topic", "ar", "en", "source"), ("ar",), ("en",))
        if line.values["topic"] and line.values["topic"] not in topics:
            found.append(
                f"topic: unknown {line.values['topic']!r}; the topics are: {', '.join(sorted(topics))}"
            )
        return found

    def edit(tip: Tip, values: dict[str, str]) -> None:
        tip.topic_id, tip.text_ar, tip.text_en = values["topic"], values["ar"], values["en"]
        tip.source, tip.source_ar = values["source"], values["source_ar"]

    _check_all(lines, problems_of)
    added = _upsert(session, Tip, lines, edit, now)
    return _imported(session, by, "tips", added, len(lines) - added, now)


def export_tips(session: Session, out: Out) -> int:
    rows = session.scalars(select(Tip).join(TipTopic).order_by(TipTopic.position, Tip.position)).all()
    return _write(
        out,
        list(TIP_COLUMNS),
        [
            {
                "id": t.id,
                "topic": t.topic_id,
                "ar": t.text_ar,
                "en": t.text_en,
                "source": t.source,
                "source_ar": t.source_ar,
                "retired": _yes(t.retired_at),
            }
            for t in rows
        ],
        N_("Tips"),
    )


@action
def import_services(session: Session, actor: Actor, path: Path, now: datetime) -> tuple[int, int]:
    """An administrator's spreadsheet of useful services saved: (added, updated)."""
    by = _administrator(session, actor)  # before the file is read: a refusal says nothing of its lines
    lines = read_lines(path, SERVICE_COLUMNS, optional=SERVICE_OPTIONAL)

    def problems_of(line: Line) -> list[str]:
        found = _problems_of(
            line,
            ("name_ar", "name_en", "about_ar", "about_en", "how_ar", "how_en"),
            ("name_ar", "about_ar", "how_ar"),
            ("name_en", "about_en", "how_en"),
        )
        link = line.values["link"]
        if link and (not link.startswith("https://") or " " in link):
            found.append("link: empty, or a full https:// address")
        phone = line.values["phone"].replace(" ", "")
        if phone and not phone.lstrip("+").isdigit():
            found.append("phone: empty, or digits (with + first for an international number)")
        unknown = [code for code in line.values["offices"].split() if code not in known_offices]
        if unknown:
            found.append(f"offices: unknown {unknown[0]!r}; the offices are: {', '.join(known_offices)}")
        return found

    known_offices = [office.code for office in offices.active_offices(session)]

    def edit(service: Service, values: dict[str, str]) -> None:
        for column in ("name_ar", "name_en", "about_ar", "about_en", "how_ar", "how_en", "link", "phone"):
            setattr(service, column, values[column])
        service.offices = " ".join(values["offices"].split())

    _check_all(lines, problems_of)
    added = _upsert(session, Service, lines, edit, now)
    return _imported(session, by, "services", added, len(lines) - added, now)


def export_services(session: Session, out: Out) -> int:
    rows = session.scalars(select(Service).order_by(Service.position)).all()
    columns = list(SERVICE_COLUMNS)
    return _write(
        out,
        columns,
        [
            {**{c: getattr(s, c) for c in columns if c != "retired"}, "retired": _yes(s.retired_at)}
            for s in rows
        ],
        N_("Useful services"),
    )


def _yes(moment: datetime | None) -> str:
    return "yes" if moment else ""


def _write(out: Out, columns: list[str], rows: list[dict[str, Any]], title: LazyText) -> int:
    """Under the column names the import reads, as CSV or .xlsx (`office.sheets`), its sheet named `title`."""
    return write(out, [Column(name, name) for name in columns], rows, title)


def kept(session: Session, actor: Actor) -> tuple[int, int]:
    """How many tips and useful services there are (retired ones too), for an administrator to keep."""
    rights(session, actor).require_admin()
    count = func.count()
    return (
        session.scalar(select(count).select_from(Tip)) or 0,
        session.scalar(select(count).select_from(Service)) or 0,
    )


@action
def tips(session: Session, actor: Actor, out: Out, now: datetime) -> int:
    """Every tip, for an administrator to edit in a spreadsheet and import back."""
    return _exported(session, actor, "tips", export_tips(session, out), now)


@action
def services(session: Session, actor: Actor, out: Out, now: datetime) -> int:
    """Every useful service, for an administrator to edit in a spreadsheet and import back."""
    return _exported(session, actor, "services", export_services(session, out), now)


def _exported(session: Session, actor: Actor, what: str, count: int, now: datetime) -> int:
    by = _administrator(session, actor)
    record(
        session, by, f"exports.{what}", office=None, target=what, target_id=None, outcome="exported", now=now,
        details={"rows": count},
    )  # fmt: skip
    return count


def _administrator(session: Session, actor: Actor) -> Rights:
    """Her rights, if she is an administrator (or the operator): they keep the tips and services."""
    by = rights(session, actor)
    by.require_admin()
    return by


def _imported(
    session: Session, by: Rights, what: str, added: int, updated: int, now: datetime
) -> tuple[int, int]:
    """The import's one audit row, with how many rows it added and updated."""
    record(
        session, by, f"{what}.import", office=None, target=what, target_id=None, outcome="imported", now=now,
        details={"added": added, "updated": updated},
    )  # fmt: skip
    return added, updated
