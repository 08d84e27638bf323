"""The registered families (`office.registrations`): the list, searched and filtered, and its download; her
page, her ID shown in full, her verification changed; several families verified (or not) together."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiDict, MultiMapping

from console import views
from console.context import Notice, console_of, said, signed_in_as
from console.forms import back_to, chosen_format, download, next_page, number, redirect_saying
from core.dates import short_day
from core.domain import Product
from core.i18n import N_, _
from office import contacts, exports, registrations
from office.errors import NotFound, Refused
from office.sheets import written_to
from storage.audiences import Audience
from storage.beneficiaries import Found, Order, Reach
from storage.models import Contact

PRODUCTS = [product.value for product in Product]
PAGE_SIZE = registrations.PAGE
IMPORTED_SHOWN = 10  # of her office's imported list, under the families found by a name
CHANNELS = ("telegram", "whatsapp")
FAMILY_FILTERS = ("office", "verified", "canteen", "certificate", "product", "channel", "reach", "order")
DONE = {  # what her page says after an action sent her back to it
    "verified": N_("Her registration is verified; she is told."),
    "correction": N_("She is asked to correct her registration; your note is sent to her."),
    "unverified": N_("The verification is taken back; her registration waits again."),
    "details": N_("Her details are corrected."),
    "unchanged": N_("Nothing to correct: her name and mobile are as they were."),
    "national_id": N_("Her national ID is corrected."),
}


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/families", families_list, name="families")
    router.add_post("/families", search_families, name="search_families")
    router.add_post("/families/verify", verify_many, name="verify_many")
    router.add_post("/families/export", export_families, name="export_families")
    router.add_get("/families/{family:[0-9]{1,9}}", family_page, name="family")
    router.add_post("/families/{family:[0-9]{1,9}}/reveal", reveal_national_id, name="reveal")
    router.add_get("/families/{family:[0-9]{1,9}}/reveal", back_to("family", "family"))
    router.add_post("/families/{family:[0-9]{1,9}}/verification", change_verification, name="verification")
    router.add_get("/families/{family:[0-9]{1,9}}/verification", back_to("family", "family"))
    router.add_post("/families/{family:[0-9]{1,9}}/details", correct_details, name="correct_details")
    router.add_get("/families/{family:[0-9]{1,9}}/details", back_to("family", "family"))
    router.add_post("/families/{family:[0-9]{1,9}}/national-id", correct_national_id, name="national_id")
    router.add_get("/families/{family:[0-9]{1,9}}/national-id", back_to("family", "family"))


def _choice(value: str | None) -> bool | None:
    """A filter's select: "yes", "no", or anything else (either)."""
    return {"yes": True, "no": False}.get(value or "")


async def search_families(request: web.Request) -> web.StreamResponse:
    """The search form, sent by POST so that a whole ID or mobile typed in it never appears in an address
    (the browser's history, a proxy's log): one that names a family opens her page; anything else is the
    list, found by it."""
    console, who = console_of(request), signed_in_as(request)
    form = await request.post()
    typed = str(form.get("q", ""))[:100].strip()
    wanted = MultiDict(
        (name, str(value)) for name in FAMILY_FILTERS for value in form.getall(name, []) if value
    )
    listed = request.app.router["families"].url_for().with_query(wanted)
    if not registrations.names_one_family(typed):
        raise web.HTTPSeeOther(listed.update_query(q=typed) if typed else listed)
    try:
        found = await console.database.run(lambda s: registrations.find(s, who.actor, typed))
    except (NotFound, Refused) as missing:
        if isinstance(missing, NotFound):  # on her office's list, perhaps: imported, not registered
            on_list = await console.database.run(lambda s: contacts.search(s, who.actor, typed))
            if on_list.total:
                return await families_list(request, wanted, typed=typed, imported=on_list.contacts)
        problem = missing.message if isinstance(missing, NotFound) else views.problems(missing)
        return await families_list(request, wanted, problem=problem, typed=typed)
    family_url = request.app.router["family"].url_for(family=str(found.id))
    raise web.HTTPSeeOther(family_url.with_query(back=str(listed)))


async def families_list(
    request: web.Request,
    asked: MultiMapping[str] | None = None,
    *,
    problem: str | None = None,
    typed: str | None = None,
    imported: Sequence[Contact] | None = None,
) -> web.StreamResponse:
    """The list, found by a name or the end of an ID from the address, with those of her office's imported
    list whose name matches (not registered yet); or, `imported`, the one a whole ID or mobile found there."""
    asked = request.query if asked is None else asked
    who = signed_in_as(request)
    wanted = _wanted(asked)
    after, before = number(asked.get("after"), digits=9), number(asked.get("before"), digits=9)
    found = None
    console = console_of(request)
    try:
        found = await console.database.run(
            lambda s: registrations.listing(
                s,
                who.actor,
                wanted.typed,
                wanted.segment,
                wanted.reach,
                wanted.order,
                after=after,
                before=None if after is not None else before,
                last=asked.get("page") == "last",
                correction=wanted.correction,
            )
        )
    except Refused as refused:
        problem = _("Search for %(wanted)s.", wanted=views.problems(refused))
    searched = asked.get("q", "")[:100]
    if imported is None and problem is None and searched and not registrations.names_one_family(searched):
        try:
            listed = await console.database.run(lambda s: contacts.search(s, who.actor, searched))
        except Refused:
            listed = None
        if listed is not None and listed.contacts and contacts.wanted(searched).name_key:
            imported = listed.contacts[:IMPORTED_SHOWN]
    offices = await console.database.run(lambda s: views.office_choices(s))
    searched_for = bool(asked.get("q", "").strip()) or typed is not None
    filtered = [name for name in FAMILY_FILTERS if name != "order" and asked.get(name)]
    waiting = 0
    if not searched_for and filtered in ([], ["office"]):  # the plain list (an admin's, of one office)
        office = asked.get("office") or None
        waiting = await console.database.run(lambda s: registrations.waiting_count(s, who.actor, office))
    place = _place(found, number(asked.get("from"), digits=9)) if found is not None else None
    return aiohttp_jinja2.render_template(
        "families.html",
        request,
        {
            "found": found,
            "problem": problem,
            "asked": asked,
            "offices": offices,
            "products": PRODUCTS,
            "waiting": waiting,
            "waiting_counted": registrations.WAITING_COUNTED,
            "typed": asked.get("q", "") if typed is None else typed,
            "imported": imported,
            "only_imported": typed is not None and imported is not None,  # a whole ID or mobile found there
            "office_names": dict(offices),
            "filters_on": len(filtered),
            "searched_for": searched_for,
            "place": place,
            "pages": _page_links(asked, found, place) if found is not None else {},
            "listed": {name: value for name, value in asked.items() if name not in PLACE},  # its first page
        },
        status=404 if problem and typed else 400 if problem else 200,
    )


# Where in the list a page is (`from`: where it starts, a hint): the rest of its address is what was asked.
PLACE = ("after", "before", "page", "from")


def _place(found: Found, hint: int | None) -> int | None:
    """Where the page's first family stands in the list (1 for the first), if it can be told without counting
    the families before her: on the first page; on the last, when the list is counted exactly; elsewhere,
    from the hint its link carried (`from`: where the page before or after it stood, give or take what
    registered since), kept within what the count and the pages around it allow. None otherwise (a page
    before the last of more than 1,000, reached from the last): the list then says only how many."""
    shown = len(found.families)
    if not shown or not found.earlier:
        return 1
    exact = not found.more_than_counted
    if not found.later and exact:
        return max(found.total - shown + 1, 2)
    if hint is None:
        return None
    if exact:  # families after her page: it ends before the last one
        hint = min(hint, found.total - shown)
    return max(hint, 2)  # families before her: not the first


def _page_links(asked: MultiMapping[str], found: Found, place: int | None) -> dict[str, str]:
    """The addresses of the pages around this one: the first and previous ones if there are families before
    it, the next and last ones if there are families after it. A page starts after the last family of the
    one before it (or ends before the first of the one after), where she stands in the list's order: pages
    stay as they were when families register meanwhile, and a deep page is as quick as the first. "Next" and
    "Previous" carry where the page they open starts (`from`), if this one's `place` is known."""
    kept = [(name, value) for name, value in asked.items() if name not in PLACE]
    links = {}
    if found.families and found.earlier:
        links["first"] = urlencode(kept)
        before = [("before", str(found.families[0].id))]
        if place is not None:
            before.append(("from", str(max(place - PAGE_SIZE, 1))))
        links["previous"] = urlencode([*kept, *before])
    if found.families and found.later:
        after = [("after", str(found.families[-1].id))]
        if place is not None:
            after.append(("from", str(place + len(found.families))))
        links["next"] = urlencode([*kept, *after])
        links["last"] = urlencode([*kept, ("page", "last")])
    return links


def _wanted(asked: MultiMapping[str]) -> registrations.Wanted:
    """The families the list's search and filters ask for (its address, or the download's form)."""
    segment = Audience(
        offices=tuple(code for code in asked.getall("office", []) if code),
        verified=False if asked.get("verified") == "waiting" else _choice(asked.get("verified")),
        canteen_interest=_choice(asked.get("canteen")),
        health_certificate=_choice(asked.get("certificate")),
        products=tuple(product for product in asked.getall("product", []) if product in PRODUCTS),
        channel=asked.get("channel") if asked.get("channel") in CHANNELS else None,
    )
    reach = Reach(asked["reach"]) if asked.get("reach") in set(Reach) else None
    # Waiting for her office (not those it asked to correct something: they wait for her), or asked to.
    correction = {"correction": True, "waiting": False}.get(asked.get("verified", ""))
    order = Order(asked["order"]) if asked.get("order") in set(Order) else Order.NEWEST
    return registrations.Wanted(asked.get("q", "")[:100], segment, reach, order, correction)


async def export_families(request: web.Request) -> web.StreamResponse:
    """The families of the list as it is on screen (its search and filters, sent in the form: nothing
    personal in the address), as a workbook or CSV."""
    console, who = console_of(request), signed_in_as(request)
    form = await request.post()
    asked = MultiDict(
        (name, value)
        for name in ("q", *FAMILY_FILTERS)
        for value in form.getall(name, [])
        if isinstance(value, str)
    )
    out, now = written_to(chosen_format(form)), console.clock()
    try:
        await console.database.run(
            lambda s: exports.families(s, who.actor, out, who.language, now, wanted=_wanted(asked))
        )
    except Refused as refused:
        problem = _("Search for %(wanted)s.", wanted=views.problems(refused))
        return await families_list(request, asked, problem=problem)
    return await download(request, f"families-{short_day(now)}", out)


def _back_to_list(request: web.Request) -> str:
    """The families list she came from, with her search and filters (or the list itself)."""
    families_url = str(request.app.router["families"].url_for())
    back = next_page(request, request.query.get("back"))
    return back if back.startswith(families_url) else families_url


def _family_id(request: web.Request) -> int:
    return int(request.match_info["family"])


async def _family_page(
    request: web.Request,
    *,
    revealed: str | None = None,
    problem: str | None = None,
    reason: str = "",
    correcting: dict[str, str] | None = None,
    beside: dict[str, str] | None = None,
) -> web.StreamResponse:
    who = signed_in_as(request)
    family_id = _family_id(request)
    found = await console_of(request).database.run(
        lambda s: registrations.family_file(s, who.actor, family_id)
    )
    done = said(request, DONE)
    return aiohttp_jinja2.render_template(
        "family.html",
        request,
        {
            "file": found,
            "back": _back_to_list(request),
            "revealed": revealed,
            "problem": problem,
            "reason": reason,
            "correcting": correcting,  # what she typed in the correction form, kept when it is refused
            "beside": beside or {},
            "done": done if problem is None and not beside else None,
        },
        status=200 if problem is None and not beside else 400,
    )


async def family_page(request: web.Request) -> web.StreamResponse:
    return await _family_page(request)


async def reveal_national_id(request: web.Request) -> web.StreamResponse:
    """Her ID in full, on this page only (never in an address), and in the audit log."""
    console, who, family_id = console_of(request), signed_in_as(request), _family_id(request)
    national_id = await console.database.run(
        lambda s: registrations.reveal_national_id(s, who.actor, family_id, console.clock())
    )
    return await _family_page(request, revealed=national_id)


async def change_verification(request: web.Request) -> web.StreamResponse:
    console, who, family_id = console_of(request), signed_in_as(request), _family_id(request)
    form = await request.post()
    change, reason = str(form.get("change", "")), str(form.get("reason", ""))
    seen = number(form.get("seen"))
    now = console.clock()
    actions = {
        "verified": lambda s: registrations.verify(s, who.actor, family_id, now, seen=seen, note=reason),
        "correction": lambda s: registrations.ask_correction(s, who.actor, family_id, reason, now, seen=seen),
        "unverified": lambda s: registrations.unverify(s, who.actor, family_id, reason, now, seen=seen),
    }
    if change not in actions:
        raise web.HTTPBadRequest(text=_("No such change."))
    try:
        await console.database.run(actions[change])
    except Refused as refused:
        return await _family_page(request, problem=views.problems(refused), reason=reason)
    her_page = request.app.router["family"].url_for(family=str(family_id))
    raise redirect_saying(request, her_page.with_query(back=_back_to_list(request)), Notice(change))


def _to_her_page(request: web.Request, family_id: int, notice: Notice) -> web.HTTPSeeOther:
    her_page = request.app.router["family"].url_for(family=str(family_id))
    return redirect_saying(request, her_page.with_query(back=_back_to_list(request)), notice)


async def correct_details(request: web.Request) -> web.StreamResponse:
    """Her name or mobile corrected by her office (`registrations.correct_details`)."""
    console, who, family_id = console_of(request), signed_in_as(request), _family_id(request)
    form = await request.post()
    typed = {name: str(form.get(name, ""))[:200] for name in ("full_name", "mobile")}
    seen, now = number(form.get("seen")), console.clock()
    try:
        changed = await console.database.run(
            lambda s: registrations.correct_details(
                s, who.actor, family_id, typed["full_name"], typed["mobile"], now, seen=seen
            )
        )
    except Refused as refused:
        beside, general = views.by_field(refused)
        return await _family_page(request, problem=general, correcting=typed, beside=beside)
    raise _to_her_page(request, family_id, Notice("details" if changed else "unchanged"))


async def correct_national_id(request: web.Request) -> web.StreamResponse:
    """Her national ID corrected: admins alone (`registrations.correct_national_id` refuses anyone else)."""
    console, who, family_id = console_of(request), signed_in_as(request), _family_id(request)
    form = await request.post()
    typed, now = str(form.get("national_id", ""))[:40], console.clock()
    try:
        await console.database.run(
            lambda s: registrations.correct_national_id(s, who.actor, family_id, typed, now)
        )
    except Refused as refused:
        beside, general = views.by_field(refused)
        return await _family_page(request, problem=general, beside=beside, correcting={"national_id": typed})
    raise _to_her_page(request, family_id, Notice("national_id"))


async def verify_many(request: web.Request) -> web.StreamResponse:
    """Families chosen on the list (those ticked, or every one of the page) verified, or their
    verification taken back with a reason, together: first she sees whom it changes and confirms."""
    console, who = console_of(request), signed_in_as(request)
    form = await request.post()
    change, _dash, which = str(form.get("do", "")).partition("-")  # "verified", "unverified-page", …
    verified = change != "unverified"
    named = "listed" if which == "page" else "family"
    numbers = (number(str(value), digits=9) for value in form.getall(named, []))
    chosen = sorted({family for family in numbers if family is not None})[:PAGE_SIZE]
    back = next_page(request, form.get("back"))
    if not chosen and which != "page":  # "Verify the ticked" with none ticked
        raise redirect_saying(request, back, Notice("none_ticked"))
    reason = str(form.get("reason", ""))
    now = console.clock()
    if form.get("confirmed") == "yes" and chosen:
        together = (
            (lambda s: registrations.verify_together(s, who.actor, chosen, now))
            if verified
            else (lambda s: registrations.unverify_together(s, who.actor, chosen, reason, now))
        )
        try:
            changed = await console.database.run(together)
        except Refused as refused:
            problem = views.problems(refused)
        else:
            what = "verified_together" if verified else "unverified_together"
            raise redirect_saying(request, back, Notice(what, str(changed)))
    else:
        problem = None
    found = await console.database.run(
        lambda s: registrations.to_change_together(s, who.actor, chosen, verified)
    )
    if not found and problem is None:
        raise redirect_saying(request, back, Notice("none_to_verify" if verified else "none_to_unverify"))
    return aiohttp_jinja2.render_template(
        "verify_many.html",
        request,
        {
            "families": found,
            "unchanged": len(chosen) - len(found),  # ticked, but already as asked
            "verified": verified,
            "back": back,
            "reason": reason,
            "problem": problem,
        },
        status=400 if problem else 200,
    )
