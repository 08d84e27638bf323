"""The staff (`office.staff`, administrators only): who they are, one added with her first password, a new
password set, one removed, a login locked after wrong passwords unlocked."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.orm import Session

from console import views
from console.context import Notice, console_of, said, signed_in_as
from console.forms import LONGEST_PASSWORD, redirect_saying
from core.domain import StaffRole
from core.i18n import N_, _
from office import sign_in, staff
from office.errors import Refused

DONE = {
    "added": N_("Saved. She signs in with her login and the password you gave."),
    "added_no_password": N_("Saved. Give her a password below, so that she can sign in."),
    "added_chat": N_("Saved. She uses the staff chat from that address."),
    "password": N_("Her new password is set; she was signed out everywhere."),
    "removed": N_("She is no longer a staff member, and was signed out."),
    "unlocked": N_("Her login may be tried again at once."),
}


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/staff", staff_page, name="staff")
    router.add_post("/staff", change_staff, name="change_staff")


async def staff_page(
    request: web.Request,
    problem: str | None = None,
    typed: Mapping[str, str] | None = None,
    removing: str | None = None,
) -> web.StreamResponse:
    """`typed`: what she wrote in the form to add someone, kept when it is refused; `removing`: whose removal
    she is asked to confirm."""
    console, who = console_of(request), signed_in_as(request)
    now = console.clock()
    members = await console.database.run(lambda s: list(staff.listing(s, who.actor)))
    locked = await console.database.run(lambda s: sign_in.locked_logins(s, now))
    offices = await console.database.run(views.office_choices)
    done = said(request, DONE)
    return aiohttp_jinja2.render_template(
        "staff.html",
        request,
        {
            "members": members,
            "locked": locked,
            "offices": offices,
            "problem": problem,
            "done": done,
            "typed": typed or {},
            "removing": removing,
        },
        status=400 if problem else 200,
    )


async def change_staff(request: web.Request) -> web.StreamResponse:
    """Add a staff member (with her first password), set a password, remove one, unlock a login."""
    console, who = console_of(request), signed_in_as(request)
    form = await request.post()
    change = str(form.get("change", ""))
    member, password = str(form.get("member", "")).strip(), str(form.get("password", ""))
    now = console.clock()

    def add(session: Session) -> None:
        role = StaffRole.ADMIN if form.get("role") == "admin" else StaffRole.STAFF
        login, address = str(form.get("login", "")).strip(), str(form.get("address", "")).strip()
        office = str(form.get("office", "")) or None
        added = staff.add(session, who.actor, address or None, role, office, now, login=login or None)
        if password:
            staff.set_password(session, who.actor, added.login or "", password, now)

    changes: dict[str, Callable[[Session], object]] = {
        "added": add,
        "password": lambda s: staff.set_password(s, who.actor, member, password, now).id,
        "removed": lambda s: staff.remove(s, who.actor, member, now),
        "unlocked": lambda s: staff.unlock(s, who.actor, member, now),
    }
    if change not in changes:
        raise web.HTTPBadRequest(text=_("No such change."))
    typed = {name: str(form.get(name, "")) for name in ("login", "address", "role", "office")}
    if len(password) > LONGEST_PASSWORD:
        return await staff_page(
            request, _("A password of at most %(count)d characters.", count=LONGEST_PASSWORD), typed
        )
    if change == "removed" and form.get("confirmed") != "yes":
        return await staff_page(request, removing=member)
    try:
        changed = await console.database.run(changes[change])
    except Refused as refused:
        return await staff_page(request, views.problems(refused), typed)
    if change == "password" and changed == who.staff_id:
        # Her own: every session of hers ended, this one too.
        raise redirect_saying(request, request.app.router["sign_in"].url_for(), Notice("own_password"))
    if change == "added":
        change = "added" if password else "added_no_password" if typed["login"] else "added_chat"
    raise redirect_saying(request, request.app.router["staff"].url_for(), Notice(change))
