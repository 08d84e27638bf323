"""The staff (`office.staff`): for administrators, who they are, one added with her first password (a
login or chat address already someone's is refused, naming her), one changed by her row's "Change" button
(the form then says whose details it changes; a removed one is brought back so), a new password set, one
removed, a login locked after wrong passwords unlocked; for every staff member, her own account
(`/account`), where she changes her password."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.orm import Session

from console import views
from console.context import (
    BROWSER_COOKIE,
    Notice,
    console_of,
    cookie_of,
    remote_of,
    said,
    signed_in_as,
)
from console.forms import redirect_saying
from core.domain import StaffRole
from core.i18n import N_, _
from office import passwords, sign_in, staff
from office.errors import Refused

DONE = {
    "added": N_("Saved. She signs in with her login and the password you gave."),
    "added_no_password": N_("Saved. Give her a password below, so that she can sign in."),
    "added_chat": N_("Saved. She uses the staff chat from that address."),
    "changed": N_("Saved: her details are changed."),
    "password": N_("Her new password is set; she was signed out everywhere."),
    "removed": N_("She is no longer a staff member, and was signed out."),
    "unlocked": N_("Her login may be tried again at once."),
}


OWN = {
    "own_password": N_(
        "Your new password is set. You stay signed in here; everywhere else you were signed out."
    )
}


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/staff", staff_page, name="staff")
    router.add_post("/staff", change_staff, name="change_staff")
    router.add_get("/account", account_page, name="account")
    router.add_post("/account", change_own_password, name="change_own_password")


async def staff_page(
    request: web.Request,
    problem: str | None = None,
    typed: Mapping[str, str] | None = None,
    removing: str | None = None,
    editing: int | None = None,
    holder: int | None = None,
) -> web.StreamResponse:
    """`typed`: what she wrote in the form, kept when it is refused; `removing`: whose removal she is asked
    to confirm; `editing`: whose details (her id) the form changes, started from her row's details unless
    `typed` is given; `holder`: a removed colleague whose login or address she typed, to bring back."""
    console, who = console_of(request), signed_in_as(request)
    now = console.clock()
    members = await console.database.run(lambda s: list(staff.listing(s, who.actor)))
    changing = None
    if editing is not None:
        changing = await console.database.run(lambda s: staff.one(s, who.actor, editing))
        if typed is None:
            typed = {
                "name": changing.full_name or "",
                "login": changing.login or "",
                "address": changing.address or "",
                "role": changing.role,
                "office": changing.office_code or "",
            }
    removed = None
    if holder is not None:
        removed = await console.database.run(lambda s: staff.one(s, who.actor, holder))
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
            "changing": changing,
            "removed": removed,
            "shortest": passwords.SHORTEST,
            "longest": passwords.LONGEST,
        },
        status=400 if problem else 200,
    )


def _staff_id(text: str) -> int:
    """A staff member's id as a form gives it; anything else is a forged form."""
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise web.HTTPBadRequest(text=_("No such staff member."))
    return int(text)


async def change_staff(request: web.Request) -> web.StreamResponse:
    """Add a staff member (with her first password), or change one's details by her id (`changing`, the
    form's hidden field once her row's "Change" was pressed); set a password, remove one, unlock a login.
    `edit` (her id in `member_id`) only starts the form from her details, to change them."""
    console, who = console_of(request), signed_in_as(request)
    form = await request.post()
    change = str(form.get("change", ""))
    member, password = str(form.get("member", "")).strip(), str(form.get("password", ""))
    changing = _staff_id(str(form["changing"])) if form.get("changing") else None
    now = console.clock()
    typed = {name: str(form.get(name, "")) for name in ("login", "address", "role", "office", "name")}
    if "place" in form:  # the form's one choice of role and office, each valid as it stands ("staff/makkah")
        typed["role"], _slash, typed["office"] = str(form["place"]).partition("/")

    def save(session: Session) -> None:
        role = StaffRole.ADMIN if typed["role"] == "admin" else StaffRole.STAFF
        login, address = typed["login"].strip(), typed["address"].strip()
        office, name = typed["office"] or None, typed["name"].strip()
        if changing is None:
            saved = staff.add_new(
                session, who.actor, address or None, role, office, now, login=login or None, name=name or None
            )
        else:
            saved = staff.change(
                session,
                who.actor,
                changing,
                address or None,
                role,
                office,
                now,
                login=login or None,
                name=name or None,
            )
        if password:
            staff.set_password(session, who.actor, saved.login or "", password, now)

    changes: dict[str, Callable[[Session], object]] = {
        "added": save,
        "password": lambda s: staff.set_password(s, who.actor, member, password, now).id,
        "removed": lambda s: staff.remove(s, who.actor, member, now),
        "unlocked": lambda s: staff.unlock(s, who.actor, member, now),
    }
    if change == "edit":
        return await staff_page(request, editing=_staff_id(str(form.get("member_id", ""))))
    if change not in changes:
        raise web.HTTPBadRequest(text=_("No such change."))
    if change == "removed" and form.get("confirmed") != "yes":
        return await staff_page(request, removing=member)
    try:
        changed = await console.database.run(changes[change])
    except Refused as refused:
        holder = refused.holder_id if isinstance(refused, staff.Held) and refused.holder_removed else None
        return await staff_page(request, views.problems(refused), typed, editing=changing, holder=holder)
    if change == "password" and changed == who.staff_id:
        # Her own: every session of hers ended, this one too.
        raise redirect_saying(request, request.app.router["sign_in"].url_for(), Notice("own_password"))
    if change == "added" and changing is not None:
        change = "changed"
    elif change == "added":
        change = "added" if password else "added_no_password" if typed["login"] else "added_chat"
    raise redirect_saying(request, request.app.router["staff"].url_for(), Notice(change))


async def account_page(
    request: web.Request, problem: str | None = None, status: int = 200
) -> web.StreamResponse:
    """Her own account: how she is named, her login, and a form to change her password."""
    console, who = console_of(request), signed_in_as(request)
    member = await console.database.run(lambda s: staff.own_account(s, who.actor))
    offices = await console.database.run(views.office_choices)
    return aiohttp_jinja2.render_template(
        "account.html",
        request,
        {
            "member": member,
            "offices": offices,
            "problem": problem,
            "done": said(request, OWN),
            "shortest": passwords.SHORTEST,
            "longest": passwords.LONGEST,
        },
        status=status,
    )


async def change_own_password(request: web.Request) -> web.StreamResponse:
    """Her current password, then the new one twice. The current one is tried as a sign-in is (counted,
    slowed, locked: `sign_in.attempt`), then the office action checks it again and sets the new one."""
    console, who = console_of(request), signed_in_as(request)
    form = await request.post()
    current, new, again = (str(form.get(name, "")) for name in ("current", "new", "again"))
    now = console.clock()
    if not current:
        return await account_page(request, _("Write your current password first."), 400)
    member = await console.database.run(lambda s: staff.own_account(s, who.actor))
    browser = (cookie_of(request, BROWSER_COOKIE) or "")[:64]
    try:
        tried = await console.database.run(
            lambda s: sign_in.attempt(s, member.login or "", remote_of(request), now, browser)
        )
    except sign_in.Locked as locked:
        return await account_page(request, locked.message, 429)
    right = len(current) <= passwords.LONGEST and await asyncio.to_thread(
        passwords.matches, tried.password_hash, current
    )
    if not right or tried.staff_id != who.staff_id:
        if tried.delay:
            await console.sleep(tried.delay)
        wrong = _("That is not your current password: nothing was changed.")
        return await account_page(request, " ".join(filter(None, (wrong, tried.warning(now)))), 400)

    def change(session: Session) -> Refused | None:
        sign_in.forget_try(session, tried)  # kept even if the new password is refused
        try:
            staff.change_own_password(session, who.actor, current, new, again, now, keeping=who.token_hash)
        except Refused as refused:
            return refused
        return None

    refused = await console.database.run(change)
    if refused is not None:
        return await account_page(request, views.problems(refused), 400)
    raise redirect_saying(request, request.app.router["account"].url_for(), Notice("own_password"))
