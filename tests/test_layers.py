"""Dependencies point inward: handlers → conversations → office → storage. The office actions read the
language modules of conversations, never a flow; storage reads nothing above it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What office may read of conversations: its language (words, dates, validators) and what buttons carry.
LANGUAGE_MODULES = {
    "conversations.i18n",
    "conversations.text",
    "conversations.dates",
    "conversations.validators",
    "conversations.payloads",
}


def imports(package: str) -> dict[str, set[str]]:
    """Each module of the package → the modules of ours it imports."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
            elif isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
        found[str(path.relative_to(ROOT))] = {
            name
            for name in names
            if name.split(".")[0] in ("bot", "handlers", "conversations", "office", "storage")
        }
    return found


def _language(name: str) -> bool:
    """A language module, or a name imported from one (`conversations.i18n._`)."""
    return name == "conversations" or name in LANGUAGE_MODULES or name.rpartition(".")[0] in LANGUAGE_MODULES


def test_the_office_actions_never_import_a_flow_a_channel_or_the_command_line() -> None:
    wrong = {
        module: sorted(
            name
            for name in names
            if name.startswith(("bot", "handlers"))
            or (name.startswith("conversations") and not _language(name))
        )
        for module, names in imports("office").items()
    }
    assert {module: names for module, names in wrong.items() if names} == {}


@pytest.mark.parametrize("package", ["storage"])
def test_storage_imports_nothing_above_it(package: str) -> None:
    above = {
        module: sorted(name for name in names if not name.startswith("storage"))
        for module, names in imports(package).items()
    }
    assert {module: names for module, names in above.items() if names} == {}


def test_no_flow_writes_through_storage_what_an_office_action_does() -> None:
    """The staff chat changes office data only through office actions: its flows call no storage function
    that writes (the ones an office action wraps)."""
    written_by_actions = {
        f"storage.{name}"
        for name in (
            "canteens.publish", "canteens.edit", "canteens.close", "canteens.decide", "events.create",
            "events.edit", "events.cancel", "events.mark_attended", "events.unmark_attended",
            "announcements.create", "announcements.cancel", "beneficiaries.verify", "contacts.save_all",
            "staff.add_or_update", "staff.remove",
        )
    }  # fmt: skip
    staff_flows = ("staff", "staff_events", "staff_canteens", "event_form", "canteen_form", "announcements",
                   "announcing", "audience_fields")  # fmt: skip
    calls: dict[str, list[str]] = {}
    for flow in staff_flows:
        path = ROOT / "conversations" / f"{flow}.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {
            alias.asname or alias.name: f"{node.module}.{alias.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "storage"
            for alias in node.names
        }
        used = [
            f"{aliases[node.value.id]}.{node.attr}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
        ]
        calls[flow] = sorted(set(used) & written_by_actions)
    assert {flow: used for flow, used in calls.items() if used} == {}
