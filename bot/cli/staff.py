"""`usar staff`: staff members from the command line — add one (or change her name, role and office), list
them, remove one, set her console password, let her login be tried again. Each calls the one office action
(office.staff) that the console calls too."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime

from sqlalchemy.orm import Session

from bot.cli.arguments import UsageError, actor_of, add_as, counted
from core.domain import StaffRole
from office import passwords
from office import staff as office_staff


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    staff_command = commands.add_parser("staff", help="manage staff members (admins and the operator)")
    staff_actions = staff_command.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = staff_actions.add_parser("add", help="add a staff member, or change one's name, role and office")
    add.add_argument(
        "--address",
        help="for the staff chat: her Telegram user id, or her WhatsApp number (0551234567, 966551234567 or "
        "+966 55 123 4567)",
    )
    add.add_argument(
        "--login", help="for the web console: her login (then set her password with `usar staff password`)"
    )
    add.add_argument(
        "--name", help="her full name, as the console and the audit log name her (without it, her login)"
    )
    add.add_argument("--role", required=True, choices=[role.value for role in StaffRole])
    add.add_argument(
        "--office",
        help="her office's code, such as makkah. A staff member must have one; an admin acts for every "
        "office and has none.",
    )
    staff_actions.add_parser("list", help="the staff of each office, and the admins")
    remove = staff_actions.add_parser(
        "remove", help="remove a staff member: she loses every right at once and is signed out"
    )
    remove.add_argument("address", metavar="LOGIN_OR_ADDRESS")
    password = staff_actions.add_parser(
        "password",
        help=f"set her console password ({passwords.SHORTEST} to {passwords.LONGEST:,} characters; not her "
        "login, not only spaces, not one "
        "character repeated), read from standard input when it is not a terminal; it signs her out "
        "everywhere",
    )
    password.add_argument("address", metavar="LOGIN_OR_ADDRESS")
    unlock = staff_actions.add_parser("unlock", help="let her login be tried again after wrong passwords")
    unlock.add_argument("address", metavar="LOGIN_OR_ADDRESS")
    for action in staff_actions.choices.values():
        add_as(action)
    return staff_command


def add(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    member = office_staff.add(
        session,
        actor_of(arguments),
        arguments.address,
        StaffRole(arguments.role),
        arguments.office,
        now,
        login=arguments.login,
        name=arguments.name,
    )
    where = f"office {member.office_code}" if member.office_code else "every office"
    said = f"usar: {member.name} is now {member.role} for {where}."
    if member.login is not None and member.password_hash is None:
        said += f" Set her console password with `usar staff password {member.login}`."
    return said


def listing(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    members = office_staff.listing(session, actor_of(arguments))
    if not members:
        return "No staff yet: add the first admin with `usar staff add --login … --role admin`."
    return "\n".join(
        "  ".join(
            [
                member.name,
                member.login or "-",
                member.address or "-",
                member.role,
                member.office_code or "every office",
                "console" if member.password_hash else "no console password",
            ]
        )
        for member in members
    )


def remove(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    member = office_staff.remove(session, actor_of(arguments), arguments.address, now)
    return f"usar: {member.name} is no longer a staff member."


def password(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    member = office_staff.set_password(
        session, actor_of(arguments), arguments.address, arguments.password, now
    )
    return f"usar: {member.name} has a new console password; she was signed out everywhere."


def unlock(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    forgotten = office_staff.unlock(session, actor_of(arguments), arguments.address, now)
    tries = counted(forgotten, "wrong try", "wrong tries")
    return f"usar: {arguments.address} may sign in again ({tries} forgotten)."


ACTIONS = {"add": add, "list": listing, "remove": remove, "password": password, "unlock": unlock}


def read_password() -> str:
    """From standard input when it is not a terminal (a script, a pipe), else asked twice without echo."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New console password: ")
    if getpass.getpass("The same again: ") != first:
        raise UsageError("the two passwords differ; nothing was changed")
    return first
