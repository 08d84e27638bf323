"""`usar canteens`: school-canteen opportunities from the command line — publish one (or many from a CSV or
XLSX file), list them, see and decide on applicants, close one early, export its applicants; and `usar
beneficiaries verify` (bot.cli.beneficiaries), which eligibility needs. Each command calls the one office
action (office.canteens) that the staff chat calls too.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from bot.cli.arguments import actor_of, add_as, counted
from core.dates import RIYADH, hijri_date, parse_day, parse_deadline, short_stamp
from core.domain import ApplicationStatus, SchoolStage
from office import canteens, exports
from office.errors import Problem, Refused
from office.rights import Actor
from office.sheets import Out
from office.tables import read_lines
from office.words import APPLICATION_STATUSES, said
from storage.canteens import NewOpportunity
from storage.models import CanteenOpportunity

DECISIONS = {
    "shortlist": ApplicationStatus.SHORTLISTED,
    "accept": ApplicationStatus.ACCEPTED,
    "reject": ApplicationStatus.REJECTED,
}


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    command = commands.add_parser("canteens", help="school-canteen opportunities: publish, review, close")
    actions = command.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="publish an opportunity")
    create.add_argument("--school", required=True)
    create.add_argument("--stage", required=True, choices=[stage.value for stage in SchoolStage])
    gender = create.add_mutually_exclusive_group(required=True)
    gender.add_argument("--girls", action="store_true", help="a girls' school")
    gender.add_argument("--boys", action="store_true", help="a boys' school")
    create.add_argument("--district", required=True)
    create.add_argument("--office", required=True, help="office code")
    create.add_argument("--students", type=int, required=True)
    create.add_argument(
        "--start", required=True, help='the day the canteen starts: "YYYY-MM-DD" or "D/M/YYYY"'
    )
    create.add_argument(
        "--deadline", required=True, help='Riyadh time "YYYY-MM-DD HH:MM", or a day (until 23:59)'
    )
    create.add_argument("--places", type=int, required=True, help="how many families can be accepted")
    create.add_argument("--requirements", default="", help="what is asked of the family, in words")
    edit = actions.add_parser("edit", help="change an open opportunity (only what is given)")
    edit.add_argument("id", type=int)
    for option in ("--school", "--district", "--start", "--deadline", "--requirements"):
        edit.add_argument(option)
    edit.add_argument("--students", type=int)
    edit.add_argument("--places", type=int)
    importing = actions.add_parser(
        "import", help="publish many from a CSV or XLSX file; a bad line publishes none"
    )
    importing.add_argument("file", type=Path)
    actions.add_parser("list", help="every opportunity, with its applications")
    for name, text in (
        ("show", "an opportunity and its applicants"),
        ("close", "close applications now (until the deadline, `reopen` opens them again)"),
        ("reopen", "open applications closed early again, until the deadline"),
    ):
        actions.add_parser(name, help=text).add_argument("id", type=int)
    export = actions.add_parser("export", help="the applicants as CSV (UTF-8 with BOM), with IDs and mobiles")
    export.add_argument("id", type=int)
    export.add_argument(
        "--output", type=Path, help="file to write: a .xlsx workbook, or CSV (default: standard output)"
    )
    export.add_argument("--lang", choices=("ar", "en"), default="ar", help="language of headers and statuses")
    decide = actions.add_parser("decide", help="shortlist, accept or reject an application; she is told")
    decide.add_argument("application", type=int)
    decide.add_argument("decision", choices=list(DECISIONS))
    decide.add_argument("--reason", help="why, with a rejection (she reads it)")
    decide.add_argument(
        "--yes",
        action="store_true",
        help="confirm changing a decision she was told (she is told the new one)",
    )
    for action in actions.choices.values():
        add_as(action)
    return command


def _day(text: str) -> Any:
    day = parse_day(text)
    if day is None:
        raise Refused([Problem("--start", f'{text!r}: write the day as "YYYY-MM-DD"')])
    return day


def _deadline(text: str) -> datetime:
    moment = parse_deadline(text)
    if moment is None:
        raise Refused(
            [Problem("--deadline", f'{text!r}: write "YYYY-MM-DD" or "YYYY-MM-DD HH:MM" (Riyadh time)')]
        )
    return moment


def create(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    new = NewOpportunity(
        school_name=arguments.school.strip(),
        stage=arguments.stage,
        girls=bool(arguments.girls),
        district=arguments.district.strip(),
        office_code=arguments.office,
        students=arguments.students,
        starts_on=_day(arguments.start),
        deadline=_deadline(arguments.deadline),
        places=arguments.places,
        requirements=arguments.requirements.strip(),
    )
    opportunity = canteens.publish(session, actor_of(arguments), new, now)
    return f"Opportunity {opportunity.id} published: {describe(opportunity)}"


def import_file(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    lines = read_lines(arguments.file, canteens.COLUMNS, max_rows=5_000)
    published = canteens.publish_file(session, actor_of(arguments), lines, now)
    return f"{counted(len(published), 'opportunity', 'opportunities')} published."


def describe(opportunity: CanteenOpportunity) -> str:
    deadline = opportunity.deadline.astimezone(RIYADH)
    state = " (closed)" if opportunity.closed_at else ""
    return (
        f"{opportunity.school_name}{state} — {opportunity.stage}, {'girls' if opportunity.girls else 'boys'},"
        f" {opportunity.district} ({opportunity.office_code}), {opportunity.students} students, starts"
        f" {opportunity.starts_on}; apply by {short_stamp(deadline)} Riyadh time"
        f" ({hijri_date(deadline.date(), 'en')}); {counted(opportunity.places, 'place')}"
    )


def listing(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    found = canteens.listing(session, actor_of(arguments))
    if not found:
        return "No opportunities yet."
    actor = actor_of(arguments)
    return "\n".join(f"{o.id}. {describe(o)}\n   {_counts(session, actor, o)}" for o in found)


def _counts(session: Session, actor: Actor, opportunity: CanteenOpportunity) -> str:
    tally = canteens.counts(session, actor, opportunity.id)
    return "  ".join(f"{status} {number}" for status, number in tally.items())


def show(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    actor = actor_of(arguments)
    opportunity = canteens.opportunity(session, actor, arguments.id)
    lines = [f"Opportunity {opportunity.id}: {describe(opportunity)}", _counts(session, actor, opportunity)]
    for applicant in canteens.applicants(session, actor, opportunity.id):
        marks = [
            mark
            for mark, held in (
                ("verified", applicant.verified),
                ("certificate", applicant.health_certificate),
            )
            if held
        ]
        lines.append(
            f"  application {applicant.application_id}: {applicant.full_name} — {applicant.status}"
            + (f" ({', '.join(marks)})" if marks else "")
        )
    return "\n".join(lines)


def edit(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    changes: dict[str, Any] = {}
    for option, detail in (
        ("school", "school_name"),
        ("district", "district"),
        ("requirements", "requirements"),
    ):
        if getattr(arguments, option) is not None:
            changes[detail] = getattr(arguments, option).strip()
    for option in ("students", "places"):
        if getattr(arguments, option) is not None:
            changes[option] = getattr(arguments, option)
    if arguments.start:
        changes["starts_on"] = _day(arguments.start)
    if arguments.deadline:
        changes["deadline"] = _deadline(arguments.deadline)
    opportunity = canteens.edit(session, actor_of(arguments), arguments.id, changes, now)
    return f"Opportunity {opportunity.id} changed: {describe(opportunity)}"


def close(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    if not canteens.close(session, actor_of(arguments), arguments.id, now):
        return f"Opportunity {arguments.id} was already closed."
    return f"Opportunity {arguments.id} closed; later applications are refused with a clear message."


def reopen(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    canteens.reopen(session, actor_of(arguments), arguments.id, now)
    return f"Opportunity {arguments.id}: applications are open again until the deadline."


def decide(arguments: argparse.Namespace, session: Session, now: datetime) -> str:
    decided = canteens.decide(
        session,
        actor_of(arguments),
        arguments.application,
        DECISIONS[arguments.decision],
        arguments.reason,
        now,
        confirmed=arguments.yes,
    )
    application = decided.application
    status = said(APPLICATION_STATUSES, application.status)
    if decided.decision is None:
        return f"Application {application.id}: {status} already; nothing was changed."
    return f"Application {application.id}: {status}; she is told in her language."


ACTIONS = {
    "create": create,
    "import": import_file,
    "edit": edit,
    "list": listing,
    "show": show,
    "close": close,
    "reopen": reopen,
    "decide": decide,
}


def write_applicants(arguments: argparse.Namespace, session: Session, out: Out, now: datetime) -> int:
    return exports.applicants(session, actor_of(arguments), arguments.id, out, arguments.lang, now)
