"""`usar tips` and `usar services`: food-safety tips and the useful services in spreadsheets — every row
exported as CSV, rows added and updated from a CSV or XLSX file with the export's columns (office.content).
Administrators' work: `--as` a staff member of an office is refused."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from bot.app import open_database
from bot.cli.actions import export, file_rejected
from bot.cli.arguments import UsageError, actor_of, add_as, in_english
from bot.settings import Settings
from office import content
from office.errors import OfficeError, RejectedFile


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for what, text in (("tips", "food-safety tips"), ("services", "the useful services")):
        command = commands.add_parser(what, help=f"{text}: export to a spreadsheet, import it back")
        content_actions = command.add_subparsers(dest="action", metavar="ACTION", required=True)
        importing_content = content_actions.add_parser(
            "import",
            help="add and update rows (CSV or XLSX with the export's columns); a bad line changes nothing",
        )
        importing_content.add_argument("file", type=Path)
        exporting = content_actions.add_parser("export", help="every row as CSV (UTF-8 with BOM, for Excel)")
        exporting.add_argument(
            "--output", type=Path, help="file to write: a .xlsx workbook, or CSV (default: standard output)"
        )
        for subcommand in content_actions.choices.values():
            add_as(subcommand)
        command.set_defaults(run=run, what=what)


CONTENT = {
    "tips": (content.import_tips, content.tips),
    "services": (content.import_services, content.services),
}


async def run(arguments: argparse.Namespace, settings: Settings) -> int:
    import_rows, export_rows = CONTENT[arguments.what]
    actor, now = actor_of(arguments), datetime.now(UTC)
    async with open_database(settings) as database:
        try:
            if arguments.action == "export":
                arguments.export = lambda arguments, session, out, now: export_rows(session, actor, out, now)
                arguments.exported = "rows"
                await export(arguments, database, now)
                return 0
            added, updated = await database.run(
                in_english(lambda session: import_rows(session, actor, arguments.file, now))
            )
        except RejectedFile as rejected:
            return file_rejected(arguments.file, rejected, "imported")
        except OfficeError as refused:  # not an administrator, or no staff member at all
            raise UsageError(refused.message) from None
    print(f"usar: {added} {arguments.what} added and {updated} updated.")
    return 0
