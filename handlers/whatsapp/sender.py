"""Sending on WhatsApp through Twilio's REST API, every failure mapped to an outcome: what we start (a
reminder, an announcement) and, where they have taps, the answers to her messages.

WhatsApp lets a business write freely only within 24 hours of the person's last message. Inside it, a
message with options goes as taps (buttons or a list: a content template of its shape, `tap_templates`,
with the message's words as its variables), or as numbered text while taps are off. Outside that window the
sender uses the approved template configured for the kind of message (Content API: ContentSid and
ContentVariables, no body) and, where none is configured, returns NeedsTemplate without sending.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from core.channel import (
    Blocked,
    Channel,
    NeedsTemplate,
    Outbound,
    PermanentFailure,
    Reply,
    RetryAfter,
    SendOutcome,
    Sent,
    TransientFailure,
)
from core.i18n import _, use_language
from core.text import directed
from handlers.splitting import combine, split_message
from handlers.whatsapp.replies import BODY_LIMIT, bodies, text_of
from handlers.whatsapp.tap_templates import TapTemplates, variables
from handlers.whatsapp.taps import Taps, Words, taps
from locales import DEFAULT_LANGUAGE
from storage.kinds import WHATSAPP_WINDOW

log = logging.getLogger(__name__)

# WhatsApp counts 24 hours from when it received her message, a little before we did: keep a margin.
WINDOW = WHATSAPP_WINDOW
RATE_LIMIT_PAUSE = 1.0  # seconds; Twilio's 429 names no wait
REQUEST_TIMEOUT = 15.0
OUTSIDE_WINDOW = 63016
DAILY_LIMIT = 63018  # Meta's limit on business-initiated conversations a day
DAILY_LIMIT_PAUSE = 3600.0
RATE_LIMITED = 20429
REPLIED_STOP = 21610
ANSWER = "answer"  # the kind of an answer to her message (not a delivery of ours)


class TwilioHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]
    """Twilio's aiohttp client, sending to another host where one is given (a proxy, or the tests' fake
    server), and sending a JSON body as JSON: the library's async client form-encodes every body, the Content
    API's JSON included (its sync client does not), so a template would be made of a mangled request."""

    def __init__(self, base: str | None) -> None:
        super().__init__(timeout=REQUEST_TIMEOUT)
        self.base = base.rstrip("/") if base else None

    async def request(
        self, method: str, url: str, *args: Any, data: Any = None, headers: Any = None, **kwargs: Any
    ) -> Response:
        if self.base is not None:
            parts = urlsplit(url)
            url = self.base + parts.path + (f"?{parts.query}" if parts.query else "")
        if headers and headers.get("Content-Type") == "application/json" and isinstance(data, dict):
            data = json.dumps(data)
        return await super().request(method, url, *args, data=data, headers=headers, **kwargs)


def twilio_client(account_sid: str, auth_token: str, api_base: str | None) -> Client:
    """Must be made inside the running event loop: the HTTP client opens its aiohttp session."""
    return Client(account_sid, auth_token, http_client=TwilioHttpClient(api_base))


class WhatsAppSender:
    channel = Channel.WHATSAPP

    def __init__(
        self,
        client: Client,
        business_number: str,
        templates: Mapping[str, str],
        status_callback: str | None,
        clock: Callable[[], datetime],
        taps: TapTemplates | None = None,
    ) -> None:
        self.client = client
        self.taps = taps  # None: options always go as numbered text
        self.sender = (
            business_number if business_number.startswith("whatsapp:") else f"whatsapp:{business_number}"
        )
        self.templates = dict(templates)
        self.status_callback = status_callback
        self.clock = clock

    async def answer(
        self, address: str, replies: Sequence[Reply], received_at: datetime, page: int = 0
    ) -> list[str]:
        """A turn's replies to her message. Where one has options and taps are on, every one of them goes
        through the REST API, in order (TwiML carries no taps); the rest, from the first the REST API did not
        take, come back as numbered text for the webhook's response, as do all of them where there are no
        taps to send, so that none is lost. `page`: of a list longer than ten, the page to show."""
        combined = combine(replies)
        if self.taps is None or not any(reply.options for reply in combined) or not await self.taps.ready():
            return bodies(combined)
        for index, reply in enumerate(combined):
            message = Outbound(address, reply, kind=ANSWER, last_inbound_at=received_at)
            outcome = await self.send(message, page)
            if not isinstance(outcome, Sent):
                log.warning("WhatsApp: an answer goes in the webhook's response instead: %s", outcome)
                return bodies(combined[index:])
        return []

    async def send(self, message: Outbound, page: int = 0) -> SendOutcome:
        inside_window = (
            message.last_inbound_at is not None and self.clock() - message.last_inbound_at < WINDOW
        )
        if inside_window:
            return await self._inside_window(message, page)
        template = self.templates.get(message.kind)
        if template is None:
            return NeedsTemplate(message.kind)
        filled = {name: one_line(value) for name, value in message.template_variables}
        variables = json.dumps(filled, ensure_ascii=False)
        outcome = await self._create(message, content_sid=template, content_variables=variables)
        return replace(outcome, template=True) if isinstance(outcome, Sent) else outcome

    async def _inside_window(self, message: Outbound, page: int) -> SendOutcome:
        """As taps where it has options and taps are on; else (or if Twilio refuses the taps) as text."""
        tapped = await self._taps(message.reply, page)
        if tapped is not None:
            made, sid = tapped
            filled = json.dumps(variables(made), ensure_ascii=False)
            outcome = await self._create(message, content_sid=sid, content_variables=filled)
            if not isinstance(outcome, PermanentFailure) or self.taps is None:
                return outcome
            await self.taps.refused(made, outcome.reason)  # this one goes as text, below
        outcome = PermanentFailure("empty message")
        for body in split_message(text_of(message.reply), BODY_LIMIT):
            outcome = await self._create(message, body=body)
            if not isinstance(outcome, Sent):
                break
        return outcome

    async def _taps(self, reply: Reply, page: int) -> tuple[Taps, str] | None:
        if self.taps is None or not reply.options:
            return None
        made = taps(replace(reply, text=directed(reply.text)), words(reply.language), page)
        sid = None if made is None else await self.taps.sid(made)
        return None if made is None or sid is None else (made, sid)

    async def _create(self, message: Outbound, **content: str) -> SendOutcome:
        # An answer is no delivery of ours: Twilio need not report on it.
        wanted = self.status_callback and message.kind != ANSWER
        extra = {"status_callback": self.status_callback} if wanted else {}
        try:
            created = await self.client.messages.create_async(
                to=f"whatsapp:{message.address}", from_=self.sender, **content, **extra
            )
        except TwilioRestException as refused:
            return _outcome_of(refused.status, refused.code, str(refused.msg), message.kind)
        except (
            TwilioException
        ) as other:  # RFC-9457 errors (TwilioServiceException) are not TwilioRestException
            status, code = getattr(other, "status", 0), getattr(other, "code", None)
            return _outcome_of(int(status or 0), code, str(other), message.kind)
        except (TimeoutError, aiohttp.ClientError, OSError) as problem:
            return TransientFailure(f"{type(problem).__name__}: {problem}")
        return Sent(str(created.sid))


def one_line(value: str) -> str:
    """A template's variable as WhatsApp takes it: no line breaks or tabs, nor more than four spaces in a row
    (it refuses the message otherwise). Her message's lines are kept apart by " · "."""
    lines = [" ".join(line.split()) for line in value.splitlines()]
    return " · ".join(line for line in lines if line)


def words(language: str | None) -> Words:
    """What taps say in her language: a list's button, and the item that opens its next page."""
    with use_language(language or DEFAULT_LANGUAGE):
        return Words(button=_("Options"), more=_("More options"))


def _outcome_of(status: int, code: int | None, text: str, kind: str) -> SendOutcome:
    if status == 429 or code == RATE_LIMITED:
        return RetryAfter(RATE_LIMIT_PAUSE)
    if code == DAILY_LIMIT:
        return RetryAfter(DAILY_LIMIT_PAUSE)
    if code == OUTSIDE_WINDOW:
        return NeedsTemplate(kind)
    if status in (401, 403):
        # Our credentials or account, not her number: worth trying again once an operator fixes it.
        return TransientFailure(f"Twilio refused our credentials ({status} {code}): {text}")
    if code == REPLIED_STOP:
        return Blocked(f"{code}: {text}")
    if status >= 500 or status == 0:
        return TransientFailure(f"{status} {code}: {text}")
    return PermanentFailure(f"{status} {code}: {text}")
