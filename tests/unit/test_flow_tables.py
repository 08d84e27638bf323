"""Every flow reads as the script of its dialogue: a form (a list of questions) or a table of (step, what she
chose) → what follows; the tables are checked when the flows are put together, and no flow hides its
dialogue in a long if/elif chain."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from conversations.engine.choices import ShowEvent
from conversations.engine.forms import Form
from conversations.engine.screens import TYPED, On, Screens
from conversations.engine.turn import Answer, FlowName, Turn
from conversations.flows import all_flows, check
from conversations.staff.events import EventsOption

ROOT = Path(__file__).resolve().parents[2]
LONGEST_CHAIN = 6  # branches of one if/elif/else


def test_every_flow_is_a_form_or_a_table_and_every_name_has_one() -> None:
    flows = all_flows().flows
    assert set(flows) == set(FlowName)
    assert {name for name, flow in flows.items() if not isinstance(flow, Form | Screens)} == set()


def _nothing(turn: Turn) -> None:
    turn.say("")


def _table(*routes: On, screens: dict[str | None, object] | None = None) -> Screens:
    return Screens(
        FlowName.STAFF_EVENTS,
        screens=screens or {None: _nothing, "list": _nothing},  # type: ignore[arg-type]
        routes=routes,
        help_text=lambda turn: None,
    )


def test_a_table_that_leads_nowhere_is_refused_when_the_flows_are_put_together() -> None:
    sound = _table(On(EventsOption.MENU, show=_nothing), On(ShowEvent, at="list", go=FlowName.STAFF))
    assert sound.check(set(FlowName)) == []
    unknown_step = _table(On(EventsOption.MENU, show=_nothing), On(ShowEvent, at="detail", show=_nothing))
    assert unknown_step.check(set(FlowName)) == ["staff_events: a row at step 'detail', which has no screen"]
    no_such_flow = _table(On(EventsOption.MENU, go=FlowName.STAFF))
    assert no_such_flow.check({FlowName.HOME}) == [
        "staff_events: a row goes to <FlowName.STAFF: 'staff'>, which is not a flow"
    ]
    dead_end = _table(On(TYPED, at=None, show=_nothing))
    assert dead_end.check(set(FlowName)) == ["staff_events: nothing leaves step 'list'"]
    others = [flow for name, flow in all_flows().flows.items() if name is not FlowName.STAFF_EVENTS]
    assert check([*others, dead_end]) == ["staff_events: nothing leaves step 'list'"]
    assert check(others) == [  # a flow missing, and the row of the staff menu that went to it
        "no flow staff_events",
        "staff: a row goes to <FlowName.STAFF_EVENTS: 'staff_events'>, which is not a flow",
    ]


def test_a_row_is_one_thing_chosen_somewhere_leading_to_one_place() -> None:
    with pytest.raises(TypeError, match="exactly one"):
        On(EventsOption.MENU, show=_nothing, go=FlowName.STAFF)
    with pytest.raises(TypeError, match="exactly one"):
        On(EventsOption.MENU)
    row = On(ShowEvent, TYPED, at="list", show=_nothing)
    assert row.fits("list", Answer(text="4", choice=ShowEvent(4))) == ShowEvent(4)
    assert row.fits("list", Answer(text="hello")) == Answer(text="hello")
    assert row.fits("detail", Answer(text="hello")) is None
    assert row.fits("list", Answer(text="", choice=EventsOption.MENU)) is None


def chains(tree: ast.AST) -> Iterator[tuple[int, int]]:
    """Each if/elif/else chain: its line and how many branches it has."""
    inner = {
        id(node.orelse[0])
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and id(node) not in inner:
            branches, last = 1, node
            while len(last.orelse) == 1 and isinstance(last.orelse[0], ast.If):
                branches, last = branches + 1, last.orelse[0]
            yield node.lineno, branches + (1 if last.orelse else 0)


def test_no_flow_hides_its_dialogue_in_a_long_if_elif_chain() -> None:
    long = [
        f"{path.relative_to(ROOT)}:{line} ({branches} branches)"
        for path in sorted((ROOT / "conversations").rglob("*.py"))
        for line, branches in chains(ast.parse(path.read_text(encoding="utf-8")))
        if branches > LONGEST_CHAIN
    ]
    assert long == []


def test_the_chain_counter_counts_elifs_and_else() -> None:
    code = "if a:\n    pass\nelif b:\n    pass\nelif c:\n    pass\nelse:\n    pass\nif d:\n    pass\n"
    assert sorted(chains(ast.parse(code))) == [(1, 4), (9, 1)]
