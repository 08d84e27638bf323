"""Twilio's webhooks: WhatsApp messages (POST /webhooks/twilio/whatsapp) and delivery status callbacks
(POST /webhooks/twilio/status). Each request must carry Twilio's signature of the public URL it called and
all its parameters; anything else gets 403, is logged, and changes nothing.

Replies to her messages go back as TwiML in the webhook's own response where they are text: the answer
needs no second request, spends none of our API rate, and arrives in order from the number she wrote to.
TwiML carries no taps, so a turn whose replies have options goes through the REST API, in order, before the
response (`WhatsAppSender.answer`); what the REST API does not take still goes in the response, as text.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from urllib.parse import urlparse

from aiohttp import web
from twilio.request_validator import RequestValidator, add_port, remove_port
from twilio.twiml.messaging_response import MessagingResponse

from core.channel import Inbound, Reply, Unavailable
from handlers.whatsapp.inbound import PREFIX, address_of, inbound_from_form, is_number
from handlers.whatsapp.replies import bodies
from handlers.whatsapp.spool import Spool
from storage.delivery_reports import REPORT_ERROR_LENGTH, REPORT_ID_LENGTH, REPORT_STATUS_LENGTH
from storage.seen import PLATFORM_ID_LENGTH

log = logging.getLogger(__name__)
Handle = Callable[[Inbound], Awaitable[list[Reply]]]
# Sends a turn's replies to her message; what is left to go in the webhook's response, as text.
Respond = Callable[[Inbound, list[Reply]], Awaitable[list[str]]]
RecordReport = Callable[[str, str, str | None], Awaitable[None]]  # message id, status, error code
SIGNATURE = "X-Twilio-Signature"
WHATSAPP_WEBHOOK = "/webhooks/twilio/whatsapp"
STATUS_WEBHOOK = "/webhooks/twilio/status"


class SignedForms:
    """Reads a Twilio webhook's form; 403 (raised) when its signature is missing or wrong."""

    def __init__(self, auth_token: str, public_url: str) -> None:
        self.validator = RequestValidator(auth_token)
        self.public_url = public_url  # the URL exactly as Twilio calls it, behind any proxy

    async def read(self, request: web.Request) -> dict[str, str]:
        try:
            form = {key: str(value) for key, value in (await request.post()).items()}
        except ValueError:  # not a form in UTF-8 (UnicodeDecodeError is a ValueError): not Twilio's
            log.warning("refused a Twilio webhook call to %s with a malformed body", request.path)
            raise web.HTTPForbidden(text="forbidden") from None
        # Twilio signs the URL as it called it: the query string still percent-encoded.
        raw_query = request.rel_url.raw_query_string
        url = self.public_url + (f"?{raw_query}" if raw_query else "")
        signature = request.headers.get(SIGNATURE, "")
        if signature and self.signed(url, form, signature):
            return form
        problem = "wrong" if signature else "missing"
        log.warning("refused a Twilio webhook call to %s with a %s signature", request.path, problem)
        raise web.HTTPForbidden(text="forbidden")

    def signed(self, url: str, form: dict[str, str], signature: str) -> bool:
        """Twilio's signature of the URL it called and the form, compared in constant time with what it
        sent (twilio's own `validate` compares character by character in Python). As `validate` does, the
        URL is tried with and without its port: Twilio signs either."""
        given = signature.encode("utf-8", "surrogateescape")  # a forged header need not be ASCII
        parsed = urlparse(url)
        matches = [
            hmac.compare_digest(self.validator.compute_signature(form_url, form).encode(), given)
            for form_url in (remove_port(parsed), add_port(parsed))
        ]
        return any(matches)


def twiml(texts: list[str]) -> web.Response:
    response = MessagingResponse()
    for text in texts:
        response.message(text)
    return web.Response(text=str(response), content_type="application/xml")


class WhatsAppWebhook:
    """Her messages, answered in the response. The same MessageSid again (Twilio's retry, another web
    process, after a restart) is answered once: the engine writes it down with the turn (`storage.seen`).
    While the database is out of reach, a message waits in the spool and is answered when it is back."""

    def __init__(
        self,
        handle: Handle,
        respond: Respond,
        forms: SignedForms,
        clock: Callable[[], datetime],
        spool: Spool,
    ) -> None:
        self.handle = handle
        self.respond = respond
        self.forms = forms
        self.clock = clock
        self.spool = spool

    async def receive(self, request: web.Request) -> web.Response:
        form = await self.forms.read(request)
        refusal = _refusal(form)
        if refusal is not None:
            log.warning("refused a WhatsApp message: %s", refusal)  # names the field, never its value
            return web.Response(status=400, text=refusal)
        inbound = inbound_from_form(form, self.clock())
        if inbound is None:
            return twiml([])
        if self.spool.waiting():
            # Messages that met the database away are still on disk (the replay comes within seconds): this
            # one waits behind them, so that hers are answered in the order she wrote.
            return self._kept(form, inbound)
        try:
            replies = await self.handle(inbound)
        except Unavailable:
            # Twilio does not send it again: it waits on disk, and is answered once the database is back.
            return self._kept(form, inbound)
        try:
            left = await self.respond(inbound, replies)
        except Exception:  # never her answer lost: all of it as text (a message of it may come twice)
            log.exception("WhatsApp: the answer's messages could not be sent; all go in the response")
            left = bodies(replies)
        return twiml(left)

    def _kept(self, form: dict[str, str], inbound: Inbound) -> web.Response:
        try:
            self.spool.keep(form, inbound.received_at)
        except OSError:
            log.exception("a WhatsApp message could not be kept in the spool")
            return web.Response(status=503, text="try again later")
        return twiml([])


def _refusal(form: dict[str, str]) -> str | None:
    """Why a signed form is no message Twilio sends (a field that would not fit where it is kept); None if
    it is fine."""
    if len(form.get("MessageSid", "")) > PLATFORM_ID_LENGTH:
        return f"MessageSid is longer than {PLATFORM_ID_LENGTH} characters"
    sender = address_of(form.get("From", ""))
    if sender and not is_number(sender):
        return f"From is not {PREFIX}+ and a number of at most 15 digits"
    return None


class StatusWebhook:
    def __init__(self, record: RecordReport, forms: SignedForms) -> None:
        self.record = record
        self.forms = forms

    async def receive(self, request: web.Request) -> web.Response:
        form = await self.forms.read(request)
        message_id, status = form.get("MessageSid", ""), form.get("MessageStatus", "")
        error_code = form.get("ErrorCode") or None
        refusal = _report_refusal(message_id, status, error_code)
        if refusal is not None:
            log.warning("refused a status callback: %s", refusal)
            return web.Response(status=400, text=refusal)
        try:
            await self.record(message_id, status.lower(), error_code)
        except Unavailable:  # Twilio does not send it again: the message keeps its last status
            log.warning("a WhatsApp status report was lost: the database is out of reach")
            return web.Response(status=503, text="try again later")
        return web.Response(status=204)


def _report_refusal(message_id: str, status: str, error_code: str | None) -> str | None:
    if not message_id or not status:
        return "MessageSid and MessageStatus are required"
    for name, value, longest in (
        ("MessageSid", message_id, REPORT_ID_LENGTH),
        ("MessageStatus", status, REPORT_STATUS_LENGTH),
        ("ErrorCode", error_code or "", REPORT_ERROR_LENGTH),
    ):
        if len(value) > longest:
            return f"{name} is longer than {longest} characters"
    return None
