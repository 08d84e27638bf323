"""Sending on WhatsApp through Twilio's REST API, every failure mapped to an outcome: what we start (a
reminder, an announcement) and, where they have taps, the answers to her messages.

WhatsApp lets a business write freely only within 24 hours of the person's last message. Inside it, a
message with options goes as taps (buttons or a list: a content template of its shape, `tap_templates`,
with the message's words as its variables), or as numbered text while taps are off. Outside that window the
sender uses the approved template configured for the kind of message (Content API: ContentSid and
ContentVariables, no body) and, where none is configured, returns NeedsTemplate without sending.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
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
    Inbound,
    NeedsTemplate,
    NotSent,
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
# Twilio's codes for a content template it does not have or cannot fill: not found, an invalid ContentSid,
# invalid ContentVariables, content the channel would not take.
NO_SUCH_TEMPLATE = frozenset({20404, 21655, 21656, 63005})
# Twilio waits 15 s for the webhook's response: what the REST API has not taken by then goes in it.
ANSWER_DEADLINE = 8.0


@dataclass(frozen=True)
class RefusedTemplate(PermanentFailure):
    """Twilio refused the message's content template (`NO_SUCH_TEMPLATE`): of taps, taps go off a while."""

    code: int | None = None


@dataclass(frozen=True)
class Part:
    """One message of a reply: what the REST API is given, its numbered text where it cannot go, and the
    taps it carries (None for text)."""

    content: dict[str, str]
    instead: list[str]
    taps: Taps | None = None


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
        tap_templates: TapTemplates | None = None,
    ) -> None:
        self.client = client
        self.tap_templates = tap_templates  # None: options always go as numbered text
        self.sender = (
            business_number if business_number.startswith("whatsapp:") else f"whatsapp:{business_number}"
        )
        self.templates = dict(templates)
        self.status_callback = status_callback
        self.clock = clock

    async def answer(self, inbound: Inbound, replies: Sequence[Reply]) -> list[str]:
        """A turn's replies to her message. Where one has options and taps are on, every one of them goes
        through the REST API, in order (TwiML carries no taps), within `ANSWER_DEADLINE`; what the REST API
        did not take by then, from the first message it refused, comes back as numbered text for the
        webhook's response, as do all of them where there are no taps to send. A message in flight when the
        deadline passes may arrive twice; none is lost. Her page of a long list is `inbound.page`."""
        parts = [part for reply in combine(replies) for part in self._parts(reply, inbound.page)]
        if not any(part.taps is not None for part in parts):
            return [text for part in parts for text in part.instead]
        sent = 0
        try:
            async with asyncio.timeout(ANSWER_DEADLINE):
                for part in parts:
                    outcome = await self._create(inbound.address, ANSWER, **part.content)
                    if not isinstance(outcome, Sent):
                        await self._refused(part.taps, outcome)
                        log.warning("WhatsApp: an answer goes in the webhook's response: %s", said(outcome))
                        break
                    sent += 1
        except TimeoutError:
            log.warning("WhatsApp: an answer goes in the webhook's response: Twilio took too long")
        return [text for part in parts[sent:] for text in part.instead]

    async def send(self, message: Outbound) -> SendOutcome:
        inside_window = (
            message.last_inbound_at is not None and self.clock() - message.last_inbound_at < WINDOW
        )
        if inside_window:
            return await self._inside_window(message)
        template = self.templates.get(message.kind)
        if template is None:
            return NeedsTemplate(message.kind)
        filled = {name: one_line(value) for name, value in message.template_variables}
        variables = json.dumps(filled, ensure_ascii=False)
        outcome = await self._create(
            message.address, message.kind, content_sid=template, content_variables=variables
        )
        return replace(outcome, template=True) if isinstance(outcome, Sent) else outcome

    async def _inside_window(self, message: Outbound) -> SendOutcome:
        """Its parts in turn (taps where it has options and taps are on, else text); a message of taps that
        Twilio refuses as a template it does not have goes as text."""
        outcome: SendOutcome = PermanentFailure("empty message")
        for part in self._parts(message.reply, 0):
            outcome = await self._create(message.address, message.kind, **part.content)
            if isinstance(outcome, RefusedTemplate) and part.taps is not None:
                await self._refused(part.taps, outcome)
                for text in part.instead:
                    outcome = await self._create(message.address, message.kind, body=text)
                    if not isinstance(outcome, Sent):
                        return outcome
            elif not isinstance(outcome, Sent):
                return outcome
        return outcome

    def _parts(self, reply: Reply, page: int) -> list[Part]:
        """The messages that carry a reply: one of taps, or its numbered text (split under 1,600)."""
        made = self._taps(reply, page)
        if made is not None:
            sid, shown = made
            filled = json.dumps(variables(shown), ensure_ascii=False)
            content = {"content_sid": sid, "content_variables": filled}
            return [Part(content, bodies([reply]), shown)]
        return [Part({"body": text}, [text]) for text in split_message(text_of(reply), BODY_LIMIT)]

    def _taps(self, reply: Reply, page: int) -> tuple[str, Taps] | None:
        if self.tap_templates is None or not reply.options:
            return None
        shown = taps(replace(reply, text=directed(reply.text)), words(reply.language), page)
        sid = None if shown is None else self.tap_templates.sid(shown)
        return None if shown is None or sid is None else (sid, shown)

    async def _refused(self, shown: Taps | None, outcome: SendOutcome) -> None:
        if shown is not None and self.tap_templates is not None and isinstance(outcome, RefusedTemplate):
            await self.tap_templates.refused(shown, outcome.code)

    async def _create(self, address: str, kind: str, **content: str) -> SendOutcome:
        # An answer is no delivery of ours: Twilio need not report on it.
        wanted = self.status_callback and kind != ANSWER
        extra = {"status_callback": self.status_callback} if wanted else {}
        try:
            created = await self.client.messages.create_async(
                to=f"whatsapp:{address}", from_=self.sender, **content, **extra
            )
        except TwilioRestException as refused:
            return _outcome_of(refused.status, refused.code, str(refused.msg), kind)
        except (
            TwilioException
        ) as other:  # RFC-9457 errors (TwilioServiceException) are not TwilioRestException
            status, code = getattr(other, "status", 0), getattr(other, "code", None)
            return _outcome_of(int(status or 0), code, str(other), kind)
        except (TimeoutError, aiohttp.ClientError, OSError) as problem:
            return TransientFailure(f"{type(problem).__name__}: {problem}")
        except Exception as problem:  # an answer the client could not read (not JSON): worth a retry
            return TransientFailure(f"{type(problem).__name__}: Twilio's answer could not be read")
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


def said(outcome: SendOutcome) -> str:
    """An outcome as the log may say it: its kind, and Twilio's status and code, never Twilio's words (they
    may name her number)."""
    reason = outcome.reason.partition(":")[0] if isinstance(outcome, NotSent) else ""
    return f"{type(outcome).__name__} {reason}".strip()


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
    if code in NO_SUCH_TEMPLATE:
        return RefusedTemplate(f"{status} {code}: {text}", code)
    return PermanentFailure(f"{status} {code}: {text}")
