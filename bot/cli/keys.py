"""`usar keys rotate` and `usar keys new`: the data keys that seal national IDs and mobiles at rest
(storage.sealing, bot/keys.py; docs/OPERATIONS.md says when and how)."""

from __future__ import annotations

import argparse
import sys

from bot import keys
from bot.app import open_database
from bot.cli.arguments import UsageError
from bot.settings import Settings


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    area = commands.add_parser("keys", help="the data keys that seal national IDs and mobiles")
    actions = area.add_subparsers(dest="action", metavar="ACTION", required=True)
    rotate = actions.add_parser(
        "rotate",
        help="add a new key to the key file and seal every value again under it, while Usar runs "
        "(with USAR_DATA_KEY: seal again under its newest key)",
    )
    rotate.set_defaults(run=run_rotate)
    new = actions.add_parser("new", help="print a new key, numbered after those given, for USAR_DATA_KEY")
    new.set_defaults(run=run_new)


async def run_rotate(arguments: argparse.Namespace, settings: Settings) -> int:
    async with open_database(settings) as database:
        done = await keys.rotate(settings, database)
    where = "USAR_DATA_KEY" if settings.data_key is not None else str(settings.key_file())
    if done.added:
        print(f"usar: key {done.key} added to {where}; the older keys stay there for backups made before.")
    print(f"usar: {done.values} values sealed again under key {done.key}.")
    if done.older:
        print(
            f"usar: {done.older} values are still under an older key: a process has not taken the new key "
            "(restart it, then run this again)."
        )
        return 1
    return 0


async def run_new(arguments: argparse.Namespace, settings: Settings) -> int:
    if settings.data_key is None:
        raise UsageError(
            f"the keys are in the key file {settings.key_file()}: `usar keys rotate` adds a new key to it "
            "itself. `usar keys new` is for keys given in USAR_DATA_KEY."
        )
    print(keys.next_key(settings))  # the key alone on standard output, for `KEY=$(usar keys new)`
    print(
        "usar: add it to USAR_DATA_KEY, comma-separated after the keys there, on every process; restart "
        "them one by one; then run `usar keys rotate`. Keep every key as long as backups made with it.",
        file=sys.stderr,
    )
    return 0
