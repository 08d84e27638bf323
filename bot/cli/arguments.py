"""What the `usar` commands share: whose rights apply (`--as`), the audience's segments, Riyadh times, their
language (English), and the usage error (exit status 2).

The command line is the operator's tool: without `--as` a command acts as the operator, with every right;
with `--as ADDRESS` that staff member's rights apply, exactly as in her chat.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from core.dates import parse_local_time
from core.domain import Product
from core.i18n import use_language
from office.errors import Problem, Refused
from office.rights import OPERATOR, Actor
from storage.audiences import Audience

T = TypeVar("T")
AS_HELP = "act as this staff member (her Telegram user id or WhatsApp number): her rights apply"


class UsageError(Exception):
    """A command given wrong values: said in one line, exit status 2."""


def add_as(command: argparse.ArgumentParser) -> None:
    command.add_argument("--as", dest="staff", metavar="ADDRESS", help=AS_HELP)


def actor_of(arguments: argparse.Namespace) -> Actor:
    address = getattr(arguments, "staff", None)
    return Actor.staff(address) if address else OPERATOR


def add_audience_arguments(command: argparse.ArgumentParser) -> None:
    """The segments of an audience: for announcements and events alike."""
    command.add_argument("--office", action="append", default=[], help="an office code; repeat for several")
    status = command.add_mutually_exclusive_group()
    status.add_argument("--verified", action="store_true", help="only families their office verified")
    status.add_argument("--pending", action="store_true", help="only families not yet verified")
    command.add_argument(
        "--canteen", action="store_true", help="only families interested in a school canteen"
    )
    command.add_argument("--certificate", action="store_true", help="only holders of a health certificate")
    command.add_argument("--product", action="append", default=[], choices=[p.value for p in Product])
    command.add_argument("--channel", choices=("telegram", "whatsapp"), help="only families on this channel")
    add_as(command)


def audience_of(arguments: argparse.Namespace) -> Audience:
    """The audience the options describe (the office actions check it against her rights)."""
    contacts = getattr(arguments, "contacts", False)
    narrowed = (arguments.verified, arguments.pending, arguments.canteen, arguments.certificate)
    if contacts and (any(narrowed) or arguments.product or arguments.channel):
        raise Refused(
            [Problem("--contacts", "goes with --office only: the other segments are about registrations")]
        )
    return Audience(
        contacts=contacts,
        offices=tuple(arguments.office),
        verified=True if arguments.verified else False if arguments.pending else None,
        canteen_interest=True if arguments.canteen else None,
        health_certificate=True if arguments.certificate else None,
        products=tuple(arguments.product),
        channel=arguments.channel,
    )


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """ "1 family", "3 families": the command line's English counts."""
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def riyadh_time(text: str | None, option: str, now: datetime) -> datetime:
    """A Riyadh date and time typed on the command line (default: now), as UTC."""
    if not text:
        return now
    local = parse_local_time(text)
    if local is None:
        raise Refused([Problem(option, f'{text!r}: write the Riyadh time as "YYYY-MM-DD HH:MM"')])
    return local.astimezone(UTC)


def in_english(work: Callable[[Session], T]) -> Callable[[Session], T]:
    """A unit of work whose messages are in English, the command line's language. (It runs in the
    database's thread, which does not share the caller's context.)"""

    def english(session: Session) -> T:
        with use_language("en"):
            return work(session)

    return english
