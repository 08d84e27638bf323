"""Dependencies point inward, from the composition root down to the shared basics:

    bot → handlers, console → conversations → office → storage → core → locales

A package imports only the layers below it (and its own modules), so no two packages import each other,
directly or around a ring: the test looks at every package, subpackages included.

The tests have a rule of their own: what they share is in tests/support/ (their data in its builders), and no
module of the tests imports a test module."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Each of our top-level packages, by layer: a package may import those of a lower layer only.
LAYERS = {
    "locales": 0,
    "core": 1,
    "storage": 2,
    "office": 3,
    "conversations": 4,
    "handlers": 5,
    "console": 5,
    "bot": 6,
}


def _modules() -> Iterator[tuple[str, Path]]:
    for top in LAYERS:
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


@cache
def _all_modules() -> dict[str, Path]:
    return dict(_modules())


def _is_package(name: str) -> bool:
    return (ROOT / Path(*name.split(".")) / "__init__.py").is_file()


def package_of(module: str) -> str:
    """The package a module belongs to: itself if it is one, else the one it sits in."""
    return module if _is_package(module) else module.rpartition(".")[0]


def imported(path: Path, module: str) -> set[str]:
    """The modules of ours that a module imports (a name taken from a package: its module, if it is one)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's own package upwards
                anchor = package_of(module).split(".")
                base = ".".join([*anchor[: len(anchor) - node.level + 1], *([base] if base else [])])
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names} & _all_modules().keys()
    return {name for name in found if name.split(".")[0] in LAYERS and name in _all_modules()}


@cache
def package_graph(scripts: bool = True) -> dict[str, set[str]]:
    """Package → the other packages of ours its modules import (`scripts`: `__main__` modules too)."""
    graph: dict[str, set[str]] = {}
    for module, path in _all_modules().items():
        if not scripts and module.rpartition(".")[2] == "__main__":
            continue
        source = package_of(module)
        targets = {package_of(name) for name in imported(path, module)}
        graph.setdefault(source, set()).update(target for target in targets if target != source)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one package (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_no_two_packages_import_each_other_directly_or_around_a_ring() -> None:
    # `python -m bot` (bot/__main__.py) runs the command line (bot.cli), which imports the rest of bot: a
    # script that no module imports closes no ring.
    assert cycles(package_graph(scripts=False)) == []


def test_a_ring_of_packages_would_be_found() -> None:
    """The check itself: a cycle through three packages, and none once one edge is gone."""
    ring = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(ring) == [["a", "b", "c"]]
    assert cycles({**ring, "c": set()}) == []


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_each_package_imports_only_the_layers_below_it(package: str) -> None:
    layer = LAYERS[package]
    wrong = {
        source: sorted(
            target
            for target in targets
            if target.split(".")[0] != package and LAYERS[target.split(".")[0]] >= layer
        )
        for source, targets in package_graph().items()
        if source.split(".")[0] == package
    }
    assert {source: targets for source, targets in wrong.items() if targets} == {}


def test_the_shared_basics_read_nothing_of_ours_but_the_catalogs() -> None:
    assert package_graph()["core"] <= {"locales"}


# The surfaces over the office actions: they parse, call an office action, and say its result.
SURFACES = ("conversations/staff", "console", "bot/cli")


def storage_functions_called(path: Path) -> set[str]:
    """The storage functions a module calls (by `storage.x.f`, or `f` imported from storage): its types aside
    (models, dataclasses, enums, constants)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: dict[str, str] = {}  # the name a storage module goes by here → the module
    functions: dict[str, str] = {}  # a storage function imported by name → where it is
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "storage":
            for alias in node.names:
                named = f"{node.module}.{alias.name}"
                if named in _all_modules():
                    modules[alias.asname or alias.name] = named
                elif inspect.isfunction(getattr(importlib.import_module(node.module), alias.name, None)):
                    functions[alias.asname or alias.name] = named
    called = {
        f"{modules[node.value.id]}.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules
        and inspect.isfunction(getattr(importlib.import_module(modules[node.value.id]), node.attr, None))
    }  # fmt: skip
    return called | {
        functions[node.id] for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id in functions
    }


@pytest.mark.parametrize("surface", SURFACES)
def test_the_staff_chat_the_console_and_the_command_line_go_through_the_office_actions(surface: str) -> None:
    """They read and write only through office/: rights, audit and the rules live there alone."""
    called = {
        str(path.relative_to(ROOT)): sorted(storage_functions_called(path))
        for path in sorted((ROOT / surface).rglob("*.py"))
    }
    assert {module: names for module, names in called.items() if names} == {}


def test_a_surface_calling_storage_would_be_found(tmp_path: Path) -> None:
    page = tmp_path / "page.py"
    page.write_text(
        "from storage import canteens\nfrom storage.offices import names\nfrom storage.models import Office\n"
        "canteens.counts(None, 1)\nnames(None, 'ar')\nOffice()\ncanteens.Applied\n",
        encoding="utf-8",
    )
    assert storage_functions_called(page) == {"storage.canteens.counts", "storage.offices.names"}


# What a storage function that writes is called: to register, answer, apply, withdraw, forget, subscribe,
# set, mark, record, add, change, cancel, close, decide, enqueue, remove, save, delete …
WRITES = re.compile(
    r"register|answer|apply|withdraw|forget(_.*)?|(un)?subscribe|(set|mark|unmark|record)_.*|add(_.*)?|create"
    r"|edit|change|cancel(_.*)?|close(_.*)?|reopen|decide|verify|ask_correction|back_to_waiting|publish"
    r"|enqueue|remove|save(_.*)?|delete(_.*)?|keep|reachable_again"
)


def storage_writers() -> set[str]:
    """Every storage function whose name says it writes ("storage.canteens.apply")."""
    return {
        f"storage.{path.stem}.{node.name}"
        for path in sorted((ROOT / "storage").glob("*.py"))
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.FunctionDef) and WRITES.fullmatch(node.name)
    }


def test_no_family_flow_writes_through_storage() -> None:
    """Her own actions are office actions: the family flows read through storage, and change nothing there,
    neither by a storage function that writes nor by setting a row's attribute (only her turn's)."""
    writers = storage_writers()
    # The names themselves: the writes her actions wrap are found, and reads are not.
    assert {"storage.beneficiaries.register", "storage.events.answer", "storage.tips.mark_seen"} <= writers
    assert not writers & {"storage.beneficiaries.beneficiary", "storage.events.may_answer"}
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "conversations" / "family").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets = [
            target
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign)
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        ]
        rows_set = [ast.unparse(target) for target in targets if _attribute_of_a_row(target)]
        found[path.stem] = sorted(storage_functions_called(path) & writers) + rows_set
    assert {flow: writes for flow, writes in found.items() if writes} == {}


def _attribute_of_a_row(target: ast.expr) -> bool:
    """An attribute set on something other than her turn (`turn.step`, `turn.conversation.…`)."""
    if not isinstance(target, ast.Attribute):
        return False
    base = target.value
    while isinstance(base, ast.Attribute):
        base = base.value
    return not (isinstance(base, ast.Name) and base.id == "turn")


def every_test_module() -> set[str]:
    """Every test module, by its dotted name ("tests.flows.test_registration")."""
    return {
        ".".join(path.relative_to(ROOT).with_suffix("").parts) for path in (ROOT / "tests").rglob("test_*.py")
    }


def imported_test_modules(source: str, package: str, tests: set[str]) -> set[str]:
    """The test modules among `tests` that a module of `package` imports, or takes a name from (relative
    imports resolved from `package`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                base = ".".join([*anchor[: len(anchor) - node.level + 1], *([base] if base else [])])
            found |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    return found & tests


def test_no_module_of_the_tests_imports_a_test_module() -> None:
    """A helper two test modules share is in tests/support/, never taken from a test module: not by a test
    module, nor by the support modules or a conftest."""
    tests = every_test_module()
    found = {
        str(path.relative_to(ROOT)): sorted(
            imported_test_modules(
                path.read_text(encoding="utf-8"), ".".join(path.relative_to(ROOT).parts[:-1]), tests
            )
        )
        for path in sorted((ROOT / "tests").rglob("*.py"))
    }
    assert {module: names for module, names in found.items() if names} == {}


def test_a_test_module_importing_another_would_be_found() -> None:
    """The check itself: a test module taken whole or a name taken from one, absolutely or relatively, is
    found; the support modules are not."""
    tests = {"tests.flows.test_account", "tests.office.test_events"}
    source = (
        "from tests.office.test_events import FORUM\nfrom tests.office import test_events\n"
        "import tests.flows.test_account\nfrom ..office.test_events import FORUM\n"
        "from .test_account import x\n"
    )
    assert imported_test_modules(source, "tests.flows", tests) == tests
    assert imported_test_modules("from . import test_account\n", "tests.flows", tests) == {
        "tests.flows.test_account"
    }
    shared = "from tests.support.builders import FORUM, town\nimport tests.support.people\nfrom . import x\n"
    assert imported_test_modules(shared, "tests.flows", tests) == set()
