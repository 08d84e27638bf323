"""`usar beneficiaries`: registered families and offices' lists from the command line — import an office's
list, and where a registration stands: verify it, ask her to correct it (she reads the reason), take a
verification back, correct a national ID (admins), read its history. Each calls the one office action that
the staff chat calls too."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from bot.cli.arguments import actor_of, add_as
from core.dates import short_stamp
from office import audit, contacts, registrations, words
from office.tables import read_lines


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    command = commands.add_parser(
        "beneficiaries", help="families: import an office's list; verify, correct, follow a registration"
    )
    actions = command.add_subparsers(dest="action", metavar="ACTION", required=True)
    importing = actions.add_parser(
        "import",
        help="add an office's list of families (CSV or XLSX: national ID, name, mobile, office) as contacts "
        "the bot recognises by their mobile; nothing is imported from a file with errors",
    )
    importing.add_argument("file", type=Path)
    importing.add_argument("--dry-run", action="store_true", help="check the file and count only")
    who = "her national ID or mobile"
    actions.add_parser(
        "verify", help="her office checked her registration: verified; she is told"
    ).add_argument("who", help=who)
    correction = actions.add_parser(
        "correction", help="ask her to correct her registration; she is told, with the reason"
    )
    correction.add_argument("who", help=who)
    correction.add_argument("--reason", required=True, help="what to correct, written to her")
    unverify = actions.add_parser("unverify", help="take a verification back: her registration waits again")
    unverify.add_argument("who", help=who)
    unverify.add_argument("--reason", required=True, help="why (kept in the audit log; she is not told)")
    national_id = actions.add_parser("national-id", help="correct a family's national ID (admins)")
    national_id.add_argument("who", help=who)
    national_id.add_argument("new", help="the right national ID")
    actions.add_parser("history", help="where her registration stands, and each change").add_argument(
        "who", help=who
    )
    for action in actions.choices.values():
        add_as(action)
    return command


def import_list(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    lines = read_lines(arguments.file, contacts.COLUMNS)
    saved = contacts.import_list(session, actor_of(arguments), lines, now, dry_run=arguments.dry_run)
    done = "would be" if arguments.dry_run else "were"
    return (
        f"usar: {saved.added} families {done} added and {saved.updated} updated; "
        f"{saved.already_registered} already registered through the bot {done} left as they are."
    )


def verify(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    actor = actor_of(arguments)
    family = registrations.find(session, actor, arguments.who)
    if not registrations.verify(session, actor, family.id, now):
        return f"Family {family.id} was already verified."
    return f"Family {family.id} is verified; she is told, in her language."


# What a change of her registration says once done, {family} her number.
CHANGED = {
    "correction": "Family {family} is asked to correct her registration; she is told, in her language.",
    "unverify": "Family {family}: the verification is taken back; her registration waits for it again.",
    "national-id": "Family {family}: her national ID is corrected.",
}


def change(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    """correction, unverify and national-id: the office action on the family she names."""
    actor = actor_of(arguments)
    family = registrations.find(session, actor, arguments.who).id
    match arguments.action:
        case "correction":
            registrations.ask_correction(session, actor, family, arguments.reason, now)
        case "unverify":
            registrations.unverify(session, actor, family, arguments.reason, now)
        case "national-id":
            registrations.correct_national_id(session, actor, family, arguments.new, now)
    return CHANGED[arguments.action].format(family=family)


def history(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    actor = actor_of(arguments)
    family = registrations.find(session, actor, arguments.who)
    lines = [f"Family {family.id}: {words.said(words.VERIFICATION, family.verification)}"]
    for line in registrations.history(session, actor, family.id):
        reason = f" — {line.details['reason']}" if line.details and "reason" in line.details else ""
        lines.append(
            f"  {short_stamp(line.at)}  {words.said(words.ACTIONS, line.action)}"
            f" ({words.said(words.OUTCOMES, line.outcome)}) by {audit.who(line)}{reason}"
        )
    return "\n".join(lines)


ACTIONS = {
    "import": import_list,
    "verify": verify,
    "correction": change,
    "unverify": change,
    "national-id": change,
    "history": history,
}
