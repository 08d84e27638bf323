"""`usar whatsapp setup`: the content templates of WhatsApp's taps, made once in Twilio (or found there) and
their SIDs kept in the database (handlers.whatsapp.tap_templates). Safe to run again: what exists is found."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from twilio.base.exceptions import TwilioException

from bot.app import open_database
from bot.settings import Settings
from handlers.whatsapp import tap_templates
from handlers.whatsapp.sender import twilio_client


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = commands.add_parser("whatsapp", help="WhatsApp through Twilio: the templates of taps")
    actions = command.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser(
        "setup", help="create or find, in Twilio, the content templates WhatsApp's buttons and lists need"
    )
    command.set_defaults(run=run)


async def run(arguments: argparse.Namespace, settings: Settings) -> int:
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        print(
            "usar: WhatsApp is not set up: set USAR_TWILIO_ACCOUNT_SID and USAR_TWILIO_AUTH_TOKEN first.",
            file=sys.stderr,
        )
        return 2
    api_base = str(settings.twilio_api_base) if settings.twilio_api_base else None
    token = settings.twilio_auth_token.get_secret_value()
    client = twilio_client(settings.twilio_account_sid, token, api_base)
    try:
        async with open_database(settings) as database:
            made = await tap_templates.set_up(client, database, datetime.now(UTC))
    except TwilioException as refused:
        print(f"usar: Twilio's Content API did not make the templates: {refused}", file=sys.stderr)
        return 1
    finally:
        await client.http_client.close()
    print(
        f"usar: {len(made.sids)} templates of taps: {made.created} made now, {made.found} found in Twilio, "
        f"{len(made.sids) - made.created - made.found} kept already."
    )
    return 0
