"""Secrets compared in constant time: `compared` records what the standard library's constant-time
comparison (`hmac.compare_digest`, also reached as `secrets.compare_digest`) was asked while a request is
checked, and still compares. A check rewritten with `==` records nothing, and its test fails."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

import pytest

Compared = list[tuple[bytes | str, bytes | str]]


def compared(monkeypatch: pytest.MonkeyPatch) -> Compared:
    """What is compared in constant time from now on, in order: (one side, the other side)."""
    calls: Compared = []
    original = hmac.compare_digest

    def recording(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr(hmac, "compare_digest", recording)
    monkeypatch.setattr(secrets, "compare_digest", recording)
    return calls


def compares(calls: Compared, value: str) -> bool:
    """Whether `value` (as text or as UTF-8) was one side of a constant-time comparison."""
    forms = {value, value.encode()}
    return any(a in forms or b in forms for a, b in calls)
