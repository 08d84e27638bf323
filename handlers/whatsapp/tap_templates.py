"""The content templates of WhatsApp's taps: one for each shape (quick replies with one, two or three buttons;
lists of one to ten items), made once in Twilio through its Content API and found again by name, so that
`usar whatsapp setup` (and `usar run`, at its start) may run any number of times. A message of taps is then
sent with its shape's SID and the message's own words as the template's variables (`variables`): the body is
{{1}}; a quick reply's buttons are {{2}} {{3}} (title, id), {{4}} {{5}} …; a list's button is {{2}}, and its
items {{3}} {{4}} {{5}} (title, id, description), {{6}} {{7}} {{8}} … (PLATFORMS.md: WhatsApp interactive
messages through Twilio).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from twilio.base.exceptions import TwilioException
from twilio.rest import Client
from twilio.rest.content.v1.content import ContentList

from handlers.whatsapp.taps import BUTTONS_MOST, ITEMS_MOST, Shape, Taps
from storage import tap_templates as kept_templates
from storage.db import Database

log = logging.getLogger(__name__)

PREFIX = "usar_taps_"  # of each template's name in Twilio's console
EMPTY = "\u200f"  # a description there is none of: Twilio refuses an empty variable; a right-to-left mark


@dataclass(frozen=True)
class TapShape:
    shape: Shape
    count: int

    @property
    def name(self) -> str:
        """As kept in the database: "quick-reply-2", "list-picker-7"."""
        return f"{self.shape.value.removeprefix('twilio/')}-{self.count}"

    @property
    def friendly_name(self) -> str:
        """As named in Twilio: "usar_taps_quick_reply_2"."""
        return PREFIX + self.name.replace("-", "_")


SHAPES = tuple(
    [TapShape(Shape.QUICK_REPLY, count) for count in range(1, BUTTONS_MOST + 1)]
    + [TapShape(Shape.LIST_PICKER, count) for count in range(1, ITEMS_MOST + 1)]
)


def shape_of(taps: Taps) -> TapShape:
    return TapShape(taps.shape, len(taps.items))


def definition(shape: TapShape) -> dict[str, Any]:
    """The Content API's request that makes the shape's template, with a sample for each variable."""
    variables = {"1": "اختاري"}
    if shape.shape is Shape.QUICK_REPLY:
        actions = []
        for number in range(shape.count):
            title, tapped = 2 + 2 * number, 3 + 2 * number
            actions.append({"type": "QUICK_REPLY", "title": f"{{{{{title}}}}}", "id": f"{{{{{tapped}}}}}"})
            variables |= {str(title): f"خيار {number + 1}", str(tapped): f"option:{number + 1}"}
        types = {"twilio/quick-reply": {"body": "{{1}}", "actions": actions}}
    else:
        items = []
        variables["2"] = "الخيارات"
        for number in range(shape.count):
            title, tapped, about = 3 + 3 * number, 4 + 3 * number, 5 + 3 * number
            items.append(
                {"item": f"{{{{{title}}}}}", "id": f"{{{{{tapped}}}}}", "description": f"{{{{{about}}}}}"}
            )
            variables |= {str(title): f"خيار {number + 1}", str(tapped): f"option:{number + 1}"}
            variables[str(about)] = EMPTY
        types = {"twilio/list-picker": {"body": "{{1}}", "button": "{{2}}", "items": items}}
    return {"friendly_name": shape.friendly_name, "language": "ar", "variables": variables, "types": types}


def variables(taps: Taps) -> dict[str, str]:
    """A message's words as its template's variables (`definition`'s numbering)."""
    values = {"1": taps.body}
    if taps.shape is Shape.QUICK_REPLY:
        for number, item in enumerate(taps.items):
            values |= {str(2 + 2 * number): item.title, str(3 + 2 * number): item.id}
        return values
    values["2"] = taps.button
    for number, item in enumerate(taps.items):
        values |= {str(3 + 3 * number): item.title, str(4 + 3 * number): item.id}
        values[str(5 + 3 * number)] = item.description or EMPTY
    return values


@dataclass(frozen=True)
class Made:
    sids: dict[str, str]  # every shape's SID, by name
    created: int  # made now
    found: int  # made before, found in Twilio by name


async def made(client: Client, kept: Mapping[str, str]) -> Made:
    """Every shape's template: those `kept` as they are; the others found in Twilio by name, or created.
    Raises TwilioException when the Content API is unavailable or refuses (what was made stays in Twilio
    and is found next time)."""
    sids = {shape.name: kept[shape.name] for shape in SHAPES if shape.name in kept}
    missing = [shape for shape in SHAPES if shape.name not in sids]
    if not missing:
        return Made(sids, 0, 0)
    contents = client.content.v1.contents
    existing = {content.friendly_name: content.sid for content in await contents.list_async()}
    created = found = 0
    for shape in missing:
        sid = existing.get(shape.friendly_name)
        if sid is None:
            request = ContentList.ContentCreateRequest(definition(shape))
            sid = (await contents.create_async(request)).sid
            created += 1
        else:
            found += 1
        sids[shape.name] = str(sid)
    return Made(sids, created, found)


async def set_up(client: Client, database: Database, now: datetime) -> Made:
    """`made`, from what the database keeps, and what it made or found kept there (nothing when the Content
    API refuses: the TwilioException is raised before). Two processes keeping theirs at the same moment race
    as any two writes do (`Database.run` runs the later again): the later's SIDs are kept; both are valid."""
    kept = await database.run(kept_templates.sids)
    found = await made(client, kept)
    await database.run(lambda session: kept_templates.keep(session, found.sids, now))
    return found


RETRY = timedelta(minutes=15)  # after the Content API failed, how long her replies go as numbered text


class TapTemplates:
    """The SIDs this process sends taps with. Looked for at `usar run`'s start (read from the database, made
    in Twilio where missing); never while she waits for an answer: where they are due to be looked for (a
    worker's first message, or again after `RETRY`), that starts in the background and the message goes as
    numbered text. While the Content API fails, or after a message of taps was refused, replies go as
    numbered text: the reason is logged once, and every template is looked for again after `RETRY` (found in
    Twilio by name, or made again if it was deleted there)."""

    def __init__(self, client: Client, database: Database, clock: Callable[[], datetime]) -> None:
        self.client = client
        self.database = database
        self.clock = clock
        self._sids: dict[str, str] = {}
        self._looked = False  # looked for once at least
        self._off_until: datetime | None = None
        self._lock = asyncio.Lock()
        self._looking: asyncio.Task[None] | None = None

    def sid(self, taps: Taps) -> str | None:
        """The SID of the template of these taps' shape; None while taps are off (or not yet looked for)."""
        if self._due():
            self._look_soon()
        return self._sids.get(shape_of(taps).name)

    async def ready(self) -> dict[str, str]:
        """Every shape's SID, looked for now where due (at start); empty while taps are off."""
        if self._due():
            await self._look()
        return dict(self._sids)

    async def settled(self) -> None:
        """Once a look begun in the background has ended."""
        if self._looking is not None:
            await asyncio.shield(self._looking)

    def _due(self) -> bool:
        return not self._looked or (self._off_until is not None and self.clock() >= self._off_until)

    def _look_soon(self) -> None:
        if self._looking is None or self._looking.done():
            self._looking = asyncio.get_running_loop().create_task(self._look())

    async def _look(self) -> None:
        async with self._lock:
            if not self._due():  # another look finished while this one waited
                return
            self._looked = True
            try:
                self._sids = (await set_up(self.client, self.database, self.clock())).sids
            except TwilioException as refused:
                self._off(f"the Content API did not make the templates ({_code(refused)})")
                return
            except Exception as problem:  # Twilio or our database out of reach: tried again after RETRY
                self._off(f"the templates could not be made ({type(problem).__name__})")
                return
            if self._off_until is not None:
                log.info("WhatsApp: replies go as taps again")
            self._off_until = None

    async def refused(self, taps: Taps, code: int | None) -> None:
        """Twilio refused a message of these taps as a template it does not have (deleted in Twilio, say):
        taps are off until `RETRY`, and then every template is looked for again in Twilio by name."""
        async with self._lock:
            try:
                await self.database.run(kept_templates.forget)
            except Exception:  # the database out of reach: the SIDs kept are tried again after RETRY
                log.warning("WhatsApp: the SIDs of the templates of taps could not be forgotten")
            self._off(f"a message of {shape_of(taps).name} was refused ({code})")

    def _off(self, reason: str) -> None:
        if self._off_until is None:  # said once, until taps work again
            log.warning("WhatsApp: replies go as numbered text, not taps: %s", reason)
        self._sids = {}
        self._off_until = self.clock() + RETRY


def _code(refused: TwilioException) -> str:
    """Twilio's status and error code, never its message (it may name a number)."""
    return f"{getattr(refused, 'status', '?')} {getattr(refused, 'code', '?')}"
