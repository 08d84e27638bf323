"""The limit of messages one sender may send, counted on the messages' own times: a sliding window of ten
seconds, a minute of silence after the notice, the terminal chat left alone, and memory given back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conversations.engine.limits import InboundLimits, Verdict
from core.channel import Channel, Inbound

START = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)


def at(seconds: float, address: str = "+966551234567", channel: Channel = Channel.WHATSAPP) -> Inbound:
    return Inbound(channel=channel, address=address, received_at=START + timedelta(seconds=seconds))


def test_the_window_slides_a_steady_sender_is_never_stopped() -> None:
    limits = InboundLimits()
    # Two messages a second for a minute: twenty in every ten seconds, never more.
    verdicts = {limits.admit(at(number / 2)) for number in range(120)}
    assert verdicts == {Verdict.ANSWER}


def test_the_twenty_first_within_ten_seconds_is_told_then_a_minute_is_set_aside() -> None:
    limits = InboundLimits()
    assert [limits.admit(at(0.1 * number)) for number in range(20)] == [Verdict.ANSWER] * 20
    assert limits.admit(at(2.0)) is Verdict.NOTICE
    assert limits.admit(at(30)) is Verdict.SET_ASIDE
    assert limits.admit(at(61.9)) is Verdict.SET_ASIDE
    assert limits.admit(at(62.0)) is Verdict.ANSWER  # a minute after the notice: served, counted afresh
    assert [limits.admit(at(62.0)) for _ in range(19)] == [Verdict.ANSWER] * 19


def test_each_sender_and_channel_is_counted_apart() -> None:
    limits = InboundLimits()
    for _ in range(21):
        limits.admit(at(0))
    assert limits.admit(at(1)) is Verdict.SET_ASIDE
    assert limits.admit(at(1, address="+966500000002")) is Verdict.ANSWER
    assert limits.admit(at(1, address="+966551234567", channel=Channel.TELEGRAM)) is Verdict.ANSWER


def test_the_terminal_chat_is_not_limited() -> None:
    limits = InboundLimits()
    verdicts = {limits.admit(at(0, channel=Channel.TERMINAL)) for _ in range(100)}
    assert verdicts == {Verdict.ANSWER} and len(limits) == 0


def test_a_message_that_waited_for_the_database_is_counted_when_it_comes_again() -> None:
    limits = InboundLimits()
    for _ in range(20):
        waiting = at(0)
        assert limits.admit(waiting) is Verdict.ANSWER
        limits.not_taken(waiting)  # the database was away: answered at its replay, counted then
    assert [limits.admit(at(0)) for _ in range(20)] == [Verdict.ANSWER] * 20


def test_senders_gone_quiet_are_forgotten() -> None:
    limits = InboundLimits()
    for number in range(1000):
        limits.admit(at(0, address=f"+9665{number:08d}"))
    for _ in range(21):
        limits.admit(at(0))
    assert len(limits) == 1001
    limits.admit(at(20, address="+966500000000"))
    assert len(limits) == 2  # she, silenced for her minute, and the one who just wrote
    limits.admit(at(90, address="+966500000000"))
    assert len(limits) == 1


def test_her_address_never_appears_in_what_stands_for_her_in_the_logs() -> None:
    limits, other = InboundLimits(), InboundLimits()
    her = at(0)
    digest = limits.digest(her)
    assert len(digest) == 8 and "966551234567" not in digest and digest == limits.digest(at(5))
    assert other.digest(her) != digest  # keyed for each process: not a lookup table of phone numbers
