"""WhatsApp through Twilio: signed webhook forms become Inbound, replies become taps (through the REST API)
or TwiML, and Twilio's reports on what we sent are recorded against their deliveries.

`mount` sets WhatsApp up in a process: Twilio's REST client, the templates of taps and the sender; where the
process answers WhatsApp, Twilio's webhooks and the spool of messages that wait for the database."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from contextlib import AsyncExitStack
from datetime import datetime
from functools import partial
from pathlib import Path

from aiohttp import web

from core.channel import Channel, Inbound, Outbound, Reply, Sent, Unavailable
from handlers.mounting import Mounted
from handlers.whatsapp.media import TwilioMedia
from handlers.whatsapp.sender import ANSWER, WhatsAppSender, said, twilio_client
from handlers.whatsapp.spool import Spool
from handlers.whatsapp.tap_templates import TapTemplates
from handlers.whatsapp.webhook import (
    STATUS_WEBHOOK,
    WHATSAPP_WEBHOOK,
    Handle,
    SignedForms,
    StatusWebhook,
    WhatsAppWebhook,
)
from storage import delivery_reports
from storage.db import Database, is_unreachable

log = logging.getLogger(__name__)


def mount(
    app: web.Application | None,
    handle: Handle,
    database: Database,
    *,
    account_sid: str,
    auth_token: str,
    business_number: str,
    templates: Mapping[str, str],
    api_base: str | None,
    public: Callable[[str], str],
    spool_directory: Path,
    clock: Callable[[], datetime],
    resources: AsyncExitStack,
) -> Mounted:
    """WhatsApp in this process: Twilio's REST client (closed with `resources`) and the sender, whose
    messages' delivery reports Twilio posts to our status webhook (`public`: a path's public URL). With `app`
    (this process answers WhatsApp), Twilio's two webhooks on it: her messages go to `handle`, and those that
    meet the database away wait in the spool directory, answered by `replay`."""
    client = twilio_client(account_sid, auth_token, api_base)
    resources.push_async_callback(client.http_client.close)
    tap_templates = TapTemplates(client, database, clock)
    sender = WhatsAppSender(client, business_number, templates, public(STATUS_WEBHOOK), clock, tap_templates)
    if app is None:  # a worker or a scheduler: it sends (taps, once it first needs them), and answers nothing
        return Mounted(Channel.WHATSAPP, sender, media=None)
    spool = Spool(spool_directory)
    # This process answers WhatsApp: it replays what waited, a stopped one's too.
    spool.take_back_abandoned()
    messages = WhatsAppWebhook(
        handle, sender.answer, SignedForms(auth_token, public(WHATSAPP_WEBHOOK)), clock, spool
    )
    app.router.add_post(WHATSAPP_WEBHOOK, messages.receive)
    reports = StatusWebhook(
        partial(_record, database, clock), SignedForms(auth_token, public(STATUS_WEBHOOK))
    )
    app.router.add_post(STATUS_WEBHOOK, reports.receive)
    log.info("WhatsApp: Twilio calls our webhooks at %s", public(WHATSAPP_WEBHOOK))
    media = TwilioMedia(account_sid, auth_token, api_base)
    return Mounted(
        Channel.WHATSAPP,
        sender,
        media,
        start=partial(_taps_ready, tap_templates),
        replay=partial(_replay, spool, handle, sender),
    )


async def _taps_ready(tap_templates: TapTemplates) -> None:
    """At start, the templates of taps, made in Twilio where missing (`usar whatsapp setup`'s work)."""
    await tap_templates.ready()


async def _record(
    database: Database,
    clock: Callable[[], datetime],
    message_id: str,
    status: str,
    error_code: str | None,
) -> None:
    """A delivery report from Twilio, kept with the message it is about."""
    now = clock()
    try:
        await database.run(
            lambda session: delivery_reports.record(session, "whatsapp", message_id, status, error_code, now)
        )
    except Exception as exc:
        if is_unreachable(exc):
            raise Unavailable from exc
        raise


async def _replay(spool: Spool, handle: Handle, sender: WhatsAppSender) -> int:
    """WhatsApp messages that waited for the database, answered in order."""
    if not spool.waiting():
        return 0

    async def answer(inbound: Inbound, replies: list[Reply]) -> None:
        left = await sender.answer(inbound, replies)
        for body in left:  # the webhook's response is gone: through the REST API
            reply = Outbound(inbound.address, Reply(body), kind=ANSWER, last_inbound_at=inbound.received_at)
            outcome = await sender.send(reply)
            if not isinstance(outcome, Sent):
                log.warning("an answer to a WhatsApp message that waited was not sent: %s", said(outcome))
                return

    return await spool.replay(handle, answer)
