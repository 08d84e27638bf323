"""The audit log (`office.audit`, administrators only): its latest entries, each a sentence in her language
naming the staff member, the office and what it touched, filtered by office, staff member, day and kind of
action, the sign-ins kept apart (shown only when asked for); and the whole of it as filtered, for Excel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiDict, MultiMapping
from sqlalchemy.orm import Session

from console import views
from console.context import console_of, signed_in_as
from console.forms import chosen_format, download
from core.dates import RIYADH, parse_day, short_day
from core.i18n import _, use_language
from office import audit, exports
from office.audit import SignIns
from office.errors import NotFound
from office.sheets import written_to
from storage.audit import Line

PAGE = 200  # the latest entries on the page; the download has them all
FILTERS = ("office", "staff", "since", "kind", "sign_ins")


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/audit", audit_page, name="audit")
    router.add_post("/audit/export", export_audit, name="export_audit")


@dataclass(frozen=True)
class Asked:
    """What she filters the log by (the page's address, or the download's form)."""

    office: str | None
    staff: str | int | None  # her number, chosen from the list; or typed (a login, a chat address, a name)
    since: datetime | None
    kind: str | None
    sign_ins: SignIns

    @classmethod
    def of(cls, asked: MultiMapping[str]) -> Asked:
        sign_ins = asked.get("sign_ins", "")
        return cls(
            asked.get("office") or None,
            _staff(asked.get("staff", "")),
            _since(asked.get("since", "")),
            asked.get("kind") or None,
            SignIns(sign_ins) if sign_ins in set(SignIns) else SignIns.WITHOUT,
        )


@dataclass(frozen=True)
class Entry:
    """An entry as the page shows it."""

    line: Line
    who: str
    office: str
    sentence: str


def _staff(text: str) -> str | int | None:
    text = " ".join(text.split())
    return int(text) if text.isascii() and text.isdigit() else text or None


def _since(text: str) -> datetime | None:
    day = parse_day(text) if text else None
    return datetime.combine(day, time(0), tzinfo=RIYADH) if day is not None else None


async def audit_page(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    asked = request.query
    wanted = Asked.of(asked)

    def newest(session: Session) -> tuple[list[Entry], int | None]:
        lines = list(
            audit.history(
                session,
                who.actor,
                office=wanted.office,
                staff_member=wanted.staff,
                since=wanted.since,
                kind=wanted.kind,
                sign_ins=wanted.sign_ins,
                newest_first=True,
                limit=PAGE,
            )
        )
        with use_language(who.language):
            reading = audit.Reading(session, who.language, isolated=True)
            reading.learn(lines)
            chosen = None if wanted.staff is None else audit.staff_meant(session, wanted.staff).id
            return [
                Entry(line, reading.who(line), reading.office(line.office_code), reading.sentence(line))
                for line in lines
            ], chosen

    refused, chosen = None, None
    try:
        entries, chosen = await console.database.run(newest)
    except NotFound as unknown:  # a name nobody has: said here, with her filters kept
        entries, refused = [], unknown.message
    offices = await console.database.run(views.office_choices)
    staff = await console.database.run(lambda s: audit.staff_choices(s, who.actor))
    unread = asked.get("since") and wanted.since is None
    problem = refused or (
        _("A day such as 2026-11-30: “%(typed)s” cannot be read.", typed=asked["since"]) if unread else None
    )
    return aiohttp_jinja2.render_template(
        "audit.html",
        request,
        {
            "entries": entries,
            "asked": asked,
            "offices": offices,
            "staff": staff,
            "chosen_staff": chosen,
            "typed_staff": asked.get("staff", "") if refused else "",
            "refused": refused,
            "kinds": audit.kinds(),
            "sign_ins": wanted.sign_ins.value,
            "shown": PAGE,
            "problem": problem,
            "filters": [(name, asked.get(name, "")) for name in FILTERS],
        },
        status=400 if problem else 200,
    )


async def export_audit(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    form = await request.post()
    wanted = Asked.of(MultiDict((name, str(form.get(name, ""))) for name in FILTERS))
    out = written_to(chosen_format(form))
    await console.database.run(
        lambda s: exports.audit(
            s,
            who.actor,
            out,
            who.language,
            office=wanted.office,
            staff_member=wanted.staff,
            since=wanted.since,
            kind=wanted.kind,
            sign_ins=wanted.sign_ins,
        )
    )
    return await download(request, f"audit-{short_day(console.clock())}", out)
