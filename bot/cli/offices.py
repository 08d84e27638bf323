"""`usar offices`: how families reach each office — list them, and (admins, or the operator) change an
office's phone, WhatsApp number, address, map link and opening hours. Families read them wherever they are
told to contact their office."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.cli.arguments import actor_of, add_as
from core.dates import hours_text
from core.text import fold
from office import offices
from office.errors import Problem, Refused

OPTIONS = {  # option → the office's field
    "phone": "phone",
    "whatsapp": "whatsapp",
    "address_ar": "address_ar",
    "address_en": "address_en",
    "map": "map_url",
    "hours_note_ar": "hours_note_ar",
    "hours_note_en": "hours_note_en",
}


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    command = commands.add_parser("offices", help="the offices and how families reach them")
    actions = command.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="every office, with its phone, WhatsApp, address, map and hours")
    edit = actions.add_parser("edit", help="change how families reach an office (an empty text clears it)")
    edit.add_argument("code", help="the office: its code (makkah) or its name in English or Arabic")
    edit.add_argument("--phone", help="its phone number, as families dial it")
    edit.add_argument("--whatsapp", help="its WhatsApp number")
    edit.add_argument("--address-ar", help="its address, in Arabic")
    edit.add_argument("--address-en", help="its address, in English")
    edit.add_argument("--map", help="a map link (https://…)")
    edit.add_argument("--hours", help='opening hours, like "sun-thu 08:00-14:00; sat 09:00-12:00"')
    edit.add_argument("--hours-note-ar", help="a note beside the hours, in Arabic (Ramadan hours, say)")
    edit.add_argument("--hours-note-en", help="the note in English")
    for name, said in (
        ("activate", "put an office back on the families' list"),
        ("deactivate", "take an office off the families' list (its families and staff stay)"),
    ):
        actions.add_parser(name, help=said).add_argument("code", help="the office: its code or its name")
    for action in actions.choices.values():
        add_as(action)
    return command


def listing(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    lines = []
    for office in offices.listing(session):
        inactive = "" if office.active else " — inactive"
        lines.append(f"{office.code}: {office.name_en} ({office.name_ar}){inactive}")
        for label, value in (
            ("phone", office.phone),
            ("WhatsApp", office.whatsapp),
            ("address", " / ".join(filter(None, (office.address_ar, office.address_en)))),
            ("map", office.map_url),
            ("hours", hours_text(office.hours, "en") if office.hours else ""),
            ("note", " / ".join(filter(None, (office.hours_note_ar, office.hours_note_en)))),
        ):
            lines.append(f"  {label}: {value or '—'}")
    return "\n".join(lines)


def edit(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    changes: dict[str, Any] = {
        field: getattr(arguments, option).strip()
        for option, field in OPTIONS.items()
        if getattr(arguments, option) is not None
    }
    if arguments.hours is not None:
        changes["hours"] = offices.read_hours(arguments.hours)
    if not changes:
        given = ", ".join(f"--{option.replace('_', '-')}" for option in [*OPTIONS, "hours"])
        raise Refused([Problem(None, f"nothing to change: give {given}")])
    found = offices.edit(session, actor_of(arguments), _code(session, arguments.code), changes, now)
    return f"usar: how families reach {found.name_en} is saved."


def activate(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    found = offices.set_active(session, actor_of(arguments), _code(session, arguments.code), True, now)
    return f"usar: {found.name_en} is active: families registering can choose it."


def deactivate(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    found = offices.set_active(session, actor_of(arguments), _code(session, arguments.code), False, now)
    return f"usar: {found.name_en} is inactive: families registering are not offered it."


def _code(session: Session, given: str) -> str:
    """The office's code, from its code or either of its names."""
    named = {fold(name): office.code for office in offices.listing(session)
             for name in (office.code, office.name_ar, office.name_en)}  # fmt: skip
    return named.get(fold(given), given)


ACTIONS = {"list": listing, "edit": edit, "activate": activate, "deactivate": deactivate}
