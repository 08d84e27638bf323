"""The console's inbox: families' questions to her office, each read and answered in the page; the files she
sent (voice notes, photos, documents) fetched through our server with the platform's credentials."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.orm import Session

from console import views
from console.context import Notice, console_of, said, signed_in_as, told
from console.forms import redirect_saying
from core.channel import LARGEST_MEDIA, MediaTooLarge, MediaUnavailable
from core.i18n import N_, _
from office import threads
from office.errors import Refused
from storage.threads import Listed

# What a browser may show inside the page; anything else is downloaded as a file.
SHOWN_INLINE = ("image/jpeg", "image/png", "image/webp", "audio/ogg", "audio/mpeg", "audio/mp4", "audio/aac",
                "audio/amr", "video/mp4", "video/3gpp", "application/pdf")  # fmt: skip
DONE = {
    "answer": N_("Your answer is on its way to her."),
    "held": N_(
        "Your answer is kept on the question, but it cannot reach her: she last wrote on WhatsApp more than "
        "24 hours ago, and no approved WhatsApp template for answers is set up. Call her, or answer again "
        "once she writes."
    ),
    "note": N_("Your note is kept on the question; she does not see it."),
    "assign": N_("The question is yours now."),
    "close": N_("Closed. She can write again whenever she needs."),
    "reopen": N_("Open again."),
    "topic": N_("The topic is changed."),
}
SAVED_REPLIES_DONE = {
    "kept": N_("The saved reply is kept: choose it under an answer to use it."),
    "removed": N_("The saved reply is removed."),
}


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/inbox", inbox_page, name="inbox")
    router.add_post("/inbox/closing", close_threads, name="close_threads")
    router.add_get("/inbox/{thread:[0-9]{1,9}}", thread_page, name="thread")
    router.add_post("/inbox/{thread:[0-9]{1,9}}/{change:[a-z]{1,12}}", change_thread, name="change_thread")
    router.add_get("/inbox/{thread:[0-9]{1,9}}/files/{message:[0-9]{1,9}}", thread_file, name="thread_file")
    router.add_get("/inbox/replies", saved_replies_page, name="saved_replies")
    router.add_post("/inbox/replies", keep_saved_reply, name="keep_saved_reply")


# How often an open page asks for what is new (console/static/console.js): seconds.
REFRESH_EVERY = 15


async def inbox_page(
    request: web.Request, problem: str | None = None, status: int = 200
) -> web.StreamResponse:
    """Her office's questions, as filtered; with `?part=live`, the list alone (what the page's script puts
    in place of the list every REFRESH_EVERY seconds, the ticks she made kept)."""
    console, who = console_of(request), signed_in_as(request)
    asked = request.query
    closed = asked.get("closed") == "yes"
    topic = asked.get("topic") if asked.get("topic") in threads.TOPICS else None
    whose = str(asked.get("whose", "")) if asked.get("whose") in threads.WHOSE else "all"
    words = " ".join(asked.get("q", "")[: threads.LONGEST_SEARCH * 2].split())  # as searched
    now = console.clock()
    office = asked.get("office") or None
    live = asked.get("part") == "live"

    def listed(session: Session) -> list[Listed]:
        try:
            return threads.inbox(
                session, who.actor, closed=closed, topic=topic, office_code=office, whose=whose, words=words
            )
        except Refused as refused:
            nonlocal problem, status
            problem, status = views.problems(refused), 400
            return []

    def read(session: Session) -> dict[str, Any]:
        return {
            "threads": listed(session),
            "office_names": dict(views.office_choices(session)),
            "measures": threads.measures(session, who.actor, now),
        }

    found = await console.database.run(read)
    shown = {
        **found,
        "closed": closed, "topic": topic, "office": office, "topics": threads.TOPICS, "now": now,
        "whose": whose, "words": words, "problem": problem, "refresh_every": REFRESH_EVERY,
        "closed_several": told(request, "closed_several"),
    }  # fmt: skip
    return aiohttp_jinja2.render_template(
        "inbox_list.html" if live else "inbox.html", request, shown, status=status
    )


async def close_threads(request: web.Request) -> web.StreamResponse:
    """The questions she ticked in the inbox, closed at once (none ticked: the inbox says so)."""
    console, who = console_of(request), signed_in_as(request)
    form = await request.post()
    ticked = [str(value) for value in form.getall("thread", [])]
    if any(not value.isdigit() or len(value) > 9 for value in ticked):
        raise web.HTTPBadRequest(text=_("This form could not be read. Please try again."))
    ids, now = [int(value) for value in ticked], console.clock()
    try:
        closed = await console.database.run(lambda s: threads.close_several(s, who.actor, ids, now))
    except Refused as refused:
        return await inbox_page(request, views.problems(refused), status=400)
    back = request.app.router["inbox"].url_for()
    raise redirect_saying(request, back, Notice("closed_several", str(closed)))


def _thread_id(request: web.Request) -> int:
    return int(request.match_info["thread"])


async def thread_page(
    request: web.Request,
    problem: str | None = None,
    typed: str = "",
    status: int = 200,
    in_arabic_asked: bool = False,
) -> web.StreamResponse:
    """A question, everything said on it, and what she may do; with `?part=live`, what was said alone (what
    the page's script puts in place every REFRESH_EVERY seconds, the answer she is typing left alone)."""
    console, who = console_of(request), signed_in_as(request)
    thread_id, now = _thread_id(request), console.clock()
    live = request.query.get("part") == "live"

    def read(session: Session) -> dict[str, Any]:
        found: dict[str, Any] = {"file": threads.thread_file(session, who.actor, thread_id)}
        if not live:
            found |= {
                "office_names": dict(views.office_choices(session)),
                "active_offices": views.active_office_choices(session),
                "saved": threads.saved_replies(session, who.actor),
                "arabic_only": threads.arabic_only_replies(session, who.actor, thread_id),
                "needs_template": threads.needs_template(session, who.actor, thread_id, console.senders, now),
            }
        return found

    use = request.query.get("use", "")
    used = int(use) if not typed and use.isdigit() and len(use) <= 9 else None
    if used is not None:  # a saved reply, to edit before sending
        typed = await console.database.run(lambda s: threads.saved_reply_for(s, who.actor, used, thread_id))
    found = await console.database.run(read)
    shown = {
        **found,
        "topics": threads.TOPICS,
        "problem": problem,
        "typed": typed,
        "done": said(request, DONE) if problem is None else None,
        "largest_mb": LARGEST_MEDIA // (1024 * 1024),
        "fetchable": set(console.media),
        "refresh_every": REFRESH_EVERY,
        "warn_arabic": in_arabic_asked or (used is not None and used in found.get("arabic_only", set())),
    }
    return aiohttp_jinja2.render_template(
        "thread_messages.html" if live else "thread.html", request, shown, status=status
    )


async def change_thread(request: web.Request) -> web.StreamResponse:
    """One action on a question: an answer, a note, taking it, closing or reopening it, passing it to another
    office, its topic."""
    console, who = console_of(request), signed_in_as(request)
    thread_id, change = _thread_id(request), request.match_info["change"]
    form = await request.post()
    text, now = str(form.get("text", "")), console.clock()
    in_arabic = form.get("in_arabic") == "yes"
    colleague = str(form.get("staff", ""))
    to = int(colleague) if colleague.isdigit() and len(colleague) <= 9 else None
    if "staff" in form and to is None:  # "give it to" with nobody chosen
        return await thread_page(request, _("Choose a colleague to give it to."), status=400)

    def answered(session: Session) -> bool:
        """Her answer kept; whether it can reach her now (False: WhatsApp would need a template)."""
        threads.answer(session, who.actor, thread_id, text, now, in_arabic=in_arabic)
        return not threads.needs_template(session, who.actor, thread_id, console.senders, now)

    actions: dict[str, Callable[[Session], object]] = {
        "answer": answered,
        "note": lambda s: threads.note(s, who.actor, thread_id, text, now),
        "assign": lambda s: threads.assign(s, who.actor, thread_id, now, to),
        "close": lambda s: threads.close(s, who.actor, thread_id, now),
        "reopen": lambda s: threads.reopen(s, who.actor, thread_id, now),
        "pass": lambda s: threads.pass_to(s, who.actor, thread_id, str(form.get("office", "")), now),
        "topic": lambda s: threads.set_topic(s, who.actor, thread_id, str(form.get("topic", "")), now),
    }
    if change not in actions:
        raise web.HTTPNotFound
    try:
        done = await console.database.run(actions[change])
    except Refused as refused:
        asked = any(problem.field == "in_arabic" for problem in refused.problems)
        return await thread_page(
            request, views.problems(refused), typed=text, status=400, in_arabic_asked=asked
        )
    if change == "answer" and done is False:
        change = "held"
    if change == "assign" and to is not None:  # given to a colleague: the page names her
        change = "given"
    if change == "pass":  # hers no longer, unless an admin: back to her own inbox
        passed = Notice("passed", str(form.get("office", "")))
        raise redirect_saying(request, request.app.router["inbox"].url_for(), passed)
    thread_url = request.app.router["thread"].url_for(thread=str(thread_id))
    raise redirect_saying(request, thread_url, Notice(change))


async def thread_file(request: web.Request) -> web.StreamResponse:
    """A file she sent, fetched from its platform now (we keep no copy and give no platform's link)."""
    console, who = console_of(request), signed_in_as(request)
    thread_id, message_id = _thread_id(request), int(request.match_info["message"])
    found = await console.database.run(lambda s: threads.file_of(s, who.actor, thread_id, message_id))
    source = console.media.get(found.channel)
    if found.too_large:
        return _no_file(request, _too_large(), 413)
    if source is None:
        return _no_file(request, _("Files from this channel cannot be opened on this server."), 503)
    try:
        body = await source.fetch(found.reference, LARGEST_MEDIA)
    except MediaTooLarge:
        now = console.clock()
        await console.database.run(
            lambda s: threads.too_large_to_open(s, who.actor, thread_id, message_id, now)
        )
        return _no_file(request, _too_large(), 413)
    except MediaUnavailable:
        return _no_file(request, _("The file could not be fetched just now. Please try again later."), 502)
    content_type = found.content_type.split(";", 1)[0].strip().lower()
    inline = content_type in SHOWN_INLINE
    part = _part(request, len(body))
    response = web.Response(
        body=body if part is None else body[part.start : part.stop],
        status=200 if part is None else 206,
        content_type=content_type if inline else "application/octet-stream",
    )
    response.headers["Accept-Ranges"] = "bytes"
    if part is not None:  # Safari plays a voice note by parts only
        response.headers["Content-Range"] = f"bytes {part.start}-{part.stop - 1}/{len(body)}"
    name = found.name or f"file-{message_id}"
    response.headers["Content-Disposition"] = (
        "inline" if inline else f"attachment; filename*=UTF-8''{_quoted(name)}"
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _part(request: web.Request, size: int) -> slice | None:
    """The part of the file a Range header asks for, within it; None for the whole (no header, or one that
    cannot be read or served: the whole file answers it, as HTTP allows)."""
    if "Range" not in request.headers or size == 0:
        return None
    try:
        asked = request.http_range
    except ValueError:
        return None
    start, stop = asked.start, asked.stop
    if start is None:
        return None
    if start < 0:  # "bytes=-500": the last 500
        start = max(size + start, 0)
        stop = size
    stop = size if stop is None else min(stop, size)
    return slice(start, stop) if start < stop else None


def _too_large() -> str:
    return _(
        "This file is too large to show (more than %(limit)s MB); she was asked for a smaller one.",
        limit=LARGEST_MEDIA // (1024 * 1024),
    )


def _no_file(request: web.Request, message: str, status: int) -> web.StreamResponse:
    """Why a file is not shown, as a page that leads back to its question."""
    back = request.app.router["thread"].url_for(thread=request.match_info["thread"])
    return aiohttp_jinja2.render_template(
        "refused.html", request, {"message": message, "back": str(back)}, status=status
    )


def _quoted(name: str) -> str:
    return quote(name.replace("/", "_").replace("\\", "_"), safe="")


async def saved_replies_page(
    request: web.Request, problem: str | None = None, typed: Mapping[str, str] | None = None
) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)

    def read(session: Session) -> dict[str, Any]:
        return {
            "replies": threads.saved_replies(session, who.actor),
            "office_names": dict(views.office_choices(session)),
            "active_offices": views.active_office_choices(session),
        }

    found = await console.database.run(read)
    return aiohttp_jinja2.render_template(
        "saved_replies.html",
        request,
        {**found, "problem": problem, "typed": typed or {}, "done": said(request, SAVED_REPLIES_DONE)},
        status=400 if problem else 200,
    )


async def keep_saved_reply(request: web.Request) -> web.StreamResponse:
    """A saved reply added, changed or removed."""
    console, who = console_of(request), signed_in_as(request)
    form = await request.post()
    typed = {name: str(form.get(name, "")) for name in ("title", "text_ar", "text_en", "office", "reply")}
    reply = typed["reply"]
    reply_id = int(reply) if reply.isdigit() and len(reply) <= 9 else None
    now = console.clock()
    if form.get("change") == "remove" and reply_id is not None:
        await console.database.run(lambda s: threads.remove_saved_reply(s, who.actor, reply_id, now))
        raise redirect_saying(request, request.app.router["saved_replies"].url_for(), Notice("removed"))
    try:
        await console.database.run(
            lambda s: threads.keep_saved_reply(
                s,
                who.actor,
                typed["office"],
                typed["title"],
                typed["text_ar"],
                typed["text_en"],
                now,
                reply_id,
            )
        )
    except Refused as refused:
        return await saved_replies_page(request, views.problems(refused), typed)
    raise redirect_saying(request, request.app.router["saved_replies"].url_for(), Notice("kept"))
