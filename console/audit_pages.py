"""The audit log (`office.audit`, administrators only): its latest entries, filtered by office, staff
member and day, and the whole of it as filtered for Excel."""

from __future__ import annotations

from datetime import datetime, time
from io import StringIO

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.orm import Session

from console import views
from console.context import console_of, signed_in_as
from console.forms import download
from core.dates import RIYADH, parse_day, short_day
from core.i18n import _
from office import audit, exports
from storage.audit import Line

PAGE = 200  # the latest entries on the page; the download has them all


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/audit", audit_page, name="audit")
    router.add_post("/audit/export", export_audit, name="export_audit")


def _since(text: str) -> datetime | None:
    day = parse_day(text) if text else None
    return datetime.combine(day, time(0), tzinfo=RIYADH) if day is not None else None


async def audit_page(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    asked = request.query
    office, member, since = (
        asked.get("office") or None,
        asked.get("staff") or None,
        _since(asked.get("since", "")),
    )

    def newest(session: Session) -> list[Line]:
        lines = audit.history(
            session,
            who.actor,
            office=office,
            staff_member=member,
            since=since,
            newest_first=True,
            limit=PAGE,
        )
        return list(lines)

    lines = await console.database.run(newest)
    offices = await console.database.run(views.office_choices)
    unread = asked.get("since") and since is None
    problem = (
        _("A day such as 2026-11-30: “%(typed)s” cannot be read.", typed=asked["since"]) if unread else None
    )
    return aiohttp_jinja2.render_template(
        "audit.html",
        request,
        {"lines": lines, "asked": asked, "offices": offices, "shown": PAGE, "problem": problem},
        status=400 if problem else 200,
    )


async def export_audit(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    form = await request.post()
    office, member = str(form.get("office", "")) or None, str(form.get("staff", "")) or None
    since, out = _since(str(form.get("since", ""))), StringIO()
    await console.database.run(
        lambda s: exports.audit(
            s, who.actor, out, who.language, office=office, staff_member=member, since=since
        )
    )
    return download(f"audit-{short_day(console.clock())}.csv", out)
