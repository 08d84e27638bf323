"""POST /webhooks/twilio/whatsapp: check Twilio's signature, run the turn, answer with TwiML.

Replies go back as TwiML in the webhook's own response, not through the REST API: the answer to her message
needs no second request, spends none of our API rate, and arrives in order; Twilio delivers it from the
number she wrote to. The REST API is for what we send first (reminders, announcements: the sender).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from aiohttp import web
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from conversations.messages import Inbound, Reply
from handlers.whatsapp.inbound import inbound_from_form
from handlers.whatsapp.replies import bodies

log = logging.getLogger(__name__)
Handle = Callable[[Inbound], Awaitable[list[Reply]]]
SIGNATURE = "X-Twilio-Signature"


def signed(validator: RequestValidator, url: str, form: dict[str, str], signature: str) -> bool:
    return bool(signature) and bool(validator.validate(url, form, signature))


def twiml(texts: list[str]) -> web.Response:
    response = MessagingResponse()
    for text in texts:
        response.message(text)
    return web.Response(text=str(response), content_type="application/xml")


class WhatsAppWebhook:
    def __init__(
        self, handle: Handle, auth_token: str, public_url: str, clock: Callable[[], datetime]
    ) -> None:
        self.handle = handle
        self.validator = RequestValidator(auth_token)
        self.public_url = public_url  # the URL exactly as Twilio calls it, behind any proxy
        self.clock = clock

    async def receive(self, request: web.Request) -> web.Response:
        form = {key: str(value) for key, value in (await request.post()).items()}
        url = self.public_url + (f"?{request.query_string}" if request.query_string else "")
        if not signed(self.validator, url, form, request.headers.get(SIGNATURE, "")):
            log.warning(
                "refused a WhatsApp webhook call with a %s signature",
                "wrong" if SIGNATURE in request.headers else "missing",
            )
            return web.Response(status=403, text="forbidden")
        inbound = inbound_from_form(form, self.clock())
        if inbound is None:
            return twiml([])
        return twiml(bodies(await self.handle(inbound)))
