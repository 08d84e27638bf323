"""A fake Twilio REST API on 127.0.0.1 for the real twilio client: it records the messages created and
answers with the errors a test queues, in Twilio's own JSON shapes. And Twilio's other side: a person on
WhatsApp (`OnWhatsApp`), whose messages Twilio posts to our webhook signed with the account's auth token,
and Usar's settings for that account (`whatsapp_settings`)."""

from __future__ import annotations

import base64
import json
import re
import xml.etree.ElementTree as ElementTree
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator

from bot.settings import Settings
from handlers.whatsapp.inbound import PREFIX
from handlers.whatsapp.taps import whatsapp_length
from handlers.whatsapp.webhook import WHATSAPP_WEBHOOK
from tests.support.clock import reads

if TYPE_CHECKING:
    from bot.service import Service

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
PUBLIC_URL = "https://usar.example.org"
BUSINESS = "whatsapp:+14155238886"
TEMPLATE = "HX" + "a" * 32  # the announcement template's content SID
NOWHERE = "http://127.0.0.1:9"  # a Twilio that refuses at once: no taps (replies as numbered text)
CONTENT_NOT_FOUND = 20404


@dataclass
class FakeTwilio:
    auth_token: str
    created: list[dict[str, str]] = field(default_factory=list)
    faults: deque[tuple[int, dict[str, Any]]] = field(default_factory=deque)
    url: str = ""
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # media by name: (content type, bytes)
    contents: list[dict[str, Any]] = field(default_factory=list)  # content templates made (Content API)
    content_faults: deque[tuple[int, dict[str, Any]]] = field(default_factory=deque)
    deleted: set[str] = field(default_factory=set)  # content templates deleted since they were made
    failing_after: int = 0  # messages still created before the next fault

    def __post_init__(self) -> None:
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{account}/Messages.json", self._create)
        app.router.add_get("/media/{name}", self._media)
        app.router.add_get("/v1/Content", self._list_contents)
        app.router.add_post("/v1/Content", self._create_content)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _media(self, request: web.Request) -> web.StreamResponse:
        """A file a family sent, as Twilio serves it to the account (basic auth), by its name in `files`."""
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{self.auth_token}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return web.Response(status=401)
        found = self.files.get(request.match_info["name"])
        if found is None:
            return web.Response(status=404)
        content_type, body = found
        return web.Response(body=body, content_type=content_type)

    def _authorised(self, request: web.Request) -> bool:
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{self.auth_token}".encode()).decode()
        return request.headers.get("Authorization") == expected

    def fail_content(self, status: int, code: int, message: str) -> None:
        """The Content API's next call fails so."""
        self.content_faults.append(
            (status, {"code": code, "message": message, "more_info": "", "status": status})
        )

    async def _list_contents(self, request: web.Request) -> web.Response:
        """Every content template, on one page, as Twilio's Content API lists them."""
        if not self._authorised(request):
            return web.json_response({"code": 20003, "message": "Authenticate", "status": 401}, status=401)
        if self.content_faults:
            status, body = self.content_faults.popleft()
            return web.json_response(body, status=status)
        url = "https://content.twilio.com/v1/Content?PageSize=50&Page=0"
        meta = {"page": 0, "page_size": 50, "first_page_url": url, "previous_page_url": None, "url": url}
        return web.json_response(
            {"contents": self.contents, "meta": {**meta, "next_page_url": None, "key": "contents"}}
        )

    async def _create_content(self, request: web.Request) -> web.Response:
        """A content template, made from the JSON the twilio library sends."""
        if not self._authorised(request):
            return web.json_response({"code": 20003, "message": "Authenticate", "status": 401}, status=401)
        if self.content_faults:
            status, body = self.content_faults.popleft()
            return web.json_response(body, status=status)
        made = {
            **await request.json(),
            "sid": f"HX{len(self.contents) + len(self.deleted) + 1:032x}",
            "account_sid": ACCOUNT_SID,
        }
        self.contents.append(made)
        return web.json_response(made, status=201)

    def fail_next(self, status: int, code: int, message: str, *, after: int = 0) -> None:
        """The next message's creation fails so (or the one after `after` more have been created)."""
        self.failing_after = after
        self.faults.append((status, {"code": code, "message": message, "more_info": "", "status": status}))

    async def _create(self, request: web.Request) -> web.Response:
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{self.auth_token}".encode()).decode()
        if request.match_info["account"] != ACCOUNT_SID or request.headers.get("Authorization") != expected:
            return web.json_response({"code": 20003, "message": "Authenticate", "status": 401}, status=401)
        if self.faults and self.failing_after > 0:
            self.failing_after -= 1
        elif self.faults:
            status, body = self.faults.popleft()
            return web.json_response(body, status=status)
        form = {key: str(value) for key, value in (await request.post()).items()}
        refusal = self._content_refusal(form)
        if refusal is not None:
            return web.json_response({"code": refusal[0], "message": refusal[1], "status": 400}, status=400)
        sid = f"SM{len(self.created) + 1:032d}"
        self.created.append({**form, "Sid": sid})
        return web.json_response(
            {
                "sid": sid,
                "status": "queued",
                "to": form.get("To"),
                "from": form.get("From"),
                "body": form.get("Body"),
            },
            status=201,
        )

    def _content_refusal(self, form: dict[str, str]) -> tuple[int, str] | None:
        """Why Twilio (or WhatsApp) would refuse a message of a content template: no such template, a
        variable missing, or words beyond WhatsApp's limits."""
        sid = form.get("ContentSid")
        if sid in self.deleted:
            return CONTENT_NOT_FOUND, f"Content {sid} was not found"
        template = None if sid is None else self.content(sid)
        if template is None:  # text, or an approved template made in Twilio's console (unknown here)
            return None
        try:
            filled = shown_taps(template, json.loads(form.get("ContentVariables", "{}")))
        except KeyError as missing:
            return 21656, f"ContentVariables is missing {missing}"
        body, button, items = filled
        longest = {"twilio/quick-reply": 20, "twilio/list-picker": 24}[template_type(template)]
        too_long = [title for title, _id, _about in items if whatsapp_length(title) > longest]
        about_too_long = [about for _title, _id, about in items if whatsapp_length(about) > 72]
        if whatsapp_length(body) > 1024 or whatsapp_length(button) > 20 or too_long or about_too_long:
            return 63005, "a title, a description or the body is longer than WhatsApp allows"
        return None

    def content(self, sid: str) -> dict[str, Any] | None:
        return next((c for c in self.contents if c["sid"] == sid), None)

    def delete_contents(self) -> None:
        """Someone deleted the templates in Twilio's console."""
        self.deleted |= {content["sid"] for content in self.contents}
        self.contents.clear()


def template_type(template: dict[str, Any]) -> str:
    [kind] = template["types"]
    return str(kind)


def shown_taps(
    template: dict[str, Any], variables: dict[str, str]
) -> tuple[str, str, list[tuple[str, str, str]]]:
    """A content template filled with a message's variables, as WhatsApp shows it: the body, a list's
    button, and each button's or item's (title, id, description). KeyError: a variable is missing."""

    def filled(text: str) -> str:
        return re.sub(r"\{\{(\d+)\}\}", lambda found: variables[found.group(1)], text)

    kind = template_type(template)
    shape = template["types"][kind]
    if kind == "twilio/quick-reply":
        items = [(filled(a["title"]), filled(a["id"]), "") for a in shape["actions"]]
        return filled(shape["body"]), "", items
    items = [
        (filled(i["item"]), filled(i["id"]), filled(i["description"]).strip("\u200f")) for i in shape["items"]
    ]
    return filled(shape["body"]), filled(shape["button"]), items


def whatsapp_settings(database_url: str, api_base: str = NOWHERE) -> Settings:
    """Usar's settings for this account; Twilio's REST API at `api_base` (by default one that refuses)."""
    return Settings(
        _env_file=None,
        database_url=database_url,
        http_port=0,
        public_url=PUBLIC_URL,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_whatsapp_from=BUSINESS,
        twilio_api_base=api_base,
    )


@dataclass
class OnWhatsApp:
    """A person writing from her phone; Twilio signs what it posts to us with the account's auth token."""

    service: Service
    number: str
    signing_token: str = AUTH_TOKEN
    twilio: FakeTwilio | None = None  # where our answers with taps arrive (through the REST API)
    heard: list[str] = field(default_factory=list)
    status: int = 0
    sent: int = 0
    # The buttons or list items of the latest message with taps: (title, id, description); and its type.
    taps: list[tuple[str, str, str]] = field(default_factory=list)
    tap_type: str = ""

    async def post(
        self, form: dict[str, str], *, signature: str | None = None, at_once: bool = False
    ) -> None:
        """`at_once`: sent straight after the previous one, without reading our answer."""
        if not at_once:
            reads(self.service.clock)
        self.sent += 1
        params = {
            "From": f"whatsapp:{self.number}",
            "To": BUSINESS,
            "MessageSid": f"SM{self.number[-8:]:0>8}{self.sent:024d}",  # hers alone
            "AccountSid": ACCOUNT_SID,
            "ProfileName": "Fatima",
            "NumMedia": "0",
            **form,
        }
        await self.post_to(WHATSAPP_WEBHOOK, params, signature=signature)

    async def post_to(self, path: str, params: dict[str, str], *, signature: str | None = None) -> None:
        """What Twilio posts: the form, signed over the public URL it called."""
        if signature is None:
            signature = RequestValidator(self.signing_token).compute_signature(PUBLIC_URL + path, params)
        headers = {"X-Twilio-Signature": signature} if signature else {}
        url = f"http://127.0.0.1:{self.service.port}{path}"
        before = len(self.twilio.created) if self.twilio is not None else 0
        async with aiohttp.ClientSession() as http, http.post(url, data=params, headers=headers) as response:
            self.status = response.status
            body = await response.text()
        is_twiml = response.ok and body.startswith("<?xml")
        answered = [m.text or "" for m in ElementTree.fromstring(body).iter("Message")] if is_twiml else []
        self.heard = [*self.arrived(before), *answered]

    def arrived(self, since: int) -> list[str]:
        """The messages the REST API took for her since the `since`-th, as her phone shows them: a button as
        "[title]", a list's items as "• title — description" under its "[button]"."""
        if self.twilio is None:
            return []
        shown = []
        for message in self.twilio.created[since:]:
            if message.get("To") != f"{PREFIX}{self.number}":
                continue
            template = self.twilio.content(message.get("ContentSid", ""))
            if template is None:
                shown.append(message.get("Body", ""))
                continue
            body, button, items = shown_taps(template, json.loads(message["ContentVariables"]))
            self.taps, self.tap_type = items, template_type(template)
            if not button:
                shown.append("\n".join([body, "  ".join(f"[{title}]" for title, _id, _about in items)]))
                continue
            lines = [f"• {title}" + (f" — {about}" if about else "") for title, _id, about in items]
            shown.append("\n".join([body, f"[{button}]", *lines]))
        return shown

    async def taps_on(self, title: str, among: list[tuple[str, str, str]] | None = None) -> str:
        """She taps the button or list item of this title (on the latest message with taps, or `among` the
        taps of an older one), as Twilio posts it: a button's payload, or a list item's id."""
        items = self.taps if among is None else among
        found = [(shown, tapped) for shown, tapped, _about in items if shown == title]
        assert found, f"no tap «{title}» among {[shown for shown, _id, _about in items]}"
        [(shown, tapped)] = found
        if self.tap_type == "twilio/list-picker":
            await self.post({"Body": shown, "ListId": tapped, "ListTitle": shown})
        else:
            await self.post({"Body": shown, "ButtonPayload": tapped, "ButtonText": shown})
        assert self.status == 200, self.status
        return "\n".join(self.heard)

    async def says(self, text: str, *, at_once: bool = False) -> str:
        await self.post({"Body": text}, at_once=at_once)
        assert self.status == 200, self.status
        return "\n".join(self.heard)

    async def sends_photo(self) -> str:
        await self.post(
            {
                "Body": "",
                "NumMedia": "1",
                "MediaUrl0": "https://example.org/p.jpg",
                "MediaContentType0": "image/jpeg",
            }
        )
        return "\n".join(self.heard)
