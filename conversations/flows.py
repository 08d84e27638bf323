"""Every flow the engine can run, by name."""

from __future__ import annotations

from conversations.account import Account
from conversations.announcements import Announcements
from conversations.announcing import announce
from conversations.identity import ConfirmIdentity
from conversations.menu import Home
from conversations.registration import registration
from conversations.staff import StaffHome
from conversations.turn import Flow


def all_flows() -> dict[str, Flow]:
    flows: list[Flow] = [
        Home(),
        registration,
        Account(),
        StaffHome(),
        ConfirmIdentity(),
        Announcements(),
        announce,
    ]
    return {flow.name: flow for flow in flows}
