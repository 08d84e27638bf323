"""The console's home page in numbers: how an office's month went. Registrations in each of the last twelve
weeks (Sunday to Saturday, in Riyadh; this one up to now) and those waiting for verification (with the
oldest); invitations, answers and attendance of each training event to come or of the last 30 days; the
canteen pipeline as it stands; what became of the messages to its families in the last 30 days, by
channel; questions open now and how long families waited for a first answer (median and 90th percentile,
over the questions of the last 30 days).

An office's staff read their office's figures; admins read every office's side by side, and the offices
together. Nothing here names a family.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from core.dates import RIYADH
from core.domain import DeliveryStatus
from office.rights import Actor, rights
from storage import dashboard, events, offices, threads
from storage.dashboard import NO_CHANNEL, Pipeline, Waiting
from storage.models import Event

log = logging.getLogger(__name__)

WEEKS = 12  # of registrations
RECENT = timedelta(days=30)  # of messages, questions, and training events over
OUTCOMES = (  # what became of a message, as the dashboard counts it
    DeliveryStatus.SENT,
    DeliveryStatus.NEEDS_TEMPLATE,
    DeliveryStatus.BLOCKED,
    DeliveryStatus.FAILED,
    DeliveryStatus.PENDING,  # waiting for its time (quiet hours, a schedule) or being sent
    DeliveryStatus.CANCELLED,
)


@dataclass(frozen=True)
class OfficeFigures:
    """One office's figures, or every office's together (`code` None)."""

    code: str | None
    name_ar: str
    name_en: str
    registrations: list[int]  # in each week of `Dashboard.weeks`
    waiting: Waiting
    pipeline: Pipeline
    open_questions: int
    first_answers: list[timedelta] = field(repr=False)  # each question of the last 30 days answered

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_ar

    @property
    def registered(self) -> int:
        return sum(self.registrations)

    @property
    def median_first_answer(self) -> timedelta | None:
        return percentile(self.first_answers, 50)

    @property
    def slow_first_answer(self) -> timedelta | None:
        """The 90th percentile: nine questions in ten had their first answer within this."""
        return percentile(self.first_answers, 90)


def percentile(values: list[timedelta], rank: int) -> timedelta | None:
    """The nearest-rank percentile (a wait some family actually had); None of none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(rank / 100 * len(ordered)) - 1, 0)]


@dataclass(frozen=True)
class TrainingFigures:
    """A training event's invitations, answers and attendance (her office's part; admins: all)."""

    event: Event
    invited: int  # every family invited, whatever her answer
    going: int
    not_going: int
    no_answer: int
    waitlisted: int
    attended: int


@dataclass(frozen=True)
class ChannelOutcomes:
    channel: str  # NO_CHANNEL: not sent on any yet
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Dashboard:
    now: datetime
    weeks: list[datetime]  # each week's start, oldest first; the last ends now
    offices: list[OfficeFigures]  # her office's; admins: the offices together first, then each
    trainings: list[TrainingFigures]
    deliveries: list[ChannelOutcomes]

    @property
    def figures(self) -> OfficeFigures:
        """Her office's, or every office's together."""
        return self.offices[0]

    @property
    def compared(self) -> list[OfficeFigures]:
        """Each office apart, for admins to compare side by side (empty for an office's staff)."""
        return self.offices[1:]


def week_starts(now: datetime, weeks: int = WEEKS) -> list[datetime]:
    """Each week's start, oldest first: Sunday at midnight in Riyadh, as the Saudi week starts; the last is
    this week's, which ends now."""
    local = now.astimezone(RIYADH)
    sunday = (local - timedelta(days=(local.weekday() + 1) % 7)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return [sunday - timedelta(days=7 * (weeks - 1 - index)) for index in range(weeks)]


def figures(session: Session, actor: Actor, now: datetime) -> Dashboard:
    """Her office's dashboard (admins: every office's, and the offices together)."""
    return figures_of(session, rights(session, actor).scope, now)


def figures_of(session: Session, scope: str | None, now: datetime) -> Dashboard:
    """The dashboard of one office (`scope`), or of every office and the offices together (None)."""
    weeks = week_starts(now)
    every = offices.every_office(session)
    registered = dashboard.registrations(
        session, [office.code for office in every if scope is None or office.code == scope], weeks, now
    )
    waiting = dashboard.waiting(session, scope)
    pipeline = dashboard.canteen_pipeline(session, scope, now)
    opened, waits = threads.measured(session, scope, now - RECENT)
    each = [
        OfficeFigures(
            office.code,
            office.name_ar,
            office.name_en,
            registered.get(office.code, [0] * WEEKS),
            waiting.get(office.code, Waiting(0, None)),
            pipeline.get(office.code, Pipeline()),
            opened.get(office.code, 0),
            waits.get(office.code, []),
        )
        for office in every
        if _shown(office.code, office.active, scope, registered)
    ]
    shown = each if scope is not None else [_together(each), *each]
    return Dashboard(now, weeks, shown, _trainings(session, scope, now), _by_channel(session, scope, now))


def _shown(code: str, active: bool, scope: str | None, registered: dict[str, list[int]]) -> bool:
    """Her office alone; for admins, every office that is active or had registrations in these weeks."""
    return code == scope if scope is not None else active or any(registered.get(code, ()))


def _together(each: list[OfficeFigures]) -> OfficeFigures:
    oldest = [figures.waiting.oldest for figures in each if figures.waiting.oldest is not None]
    return OfficeFigures(
        None,
        "",  # the page names the offices together in her language
        "",
        [sum(week) for week in zip(*(figures.registrations for figures in each), strict=True)]
        if each
        else [0] * WEEKS,
        Waiting(sum(figures.waiting.count for figures in each), min(oldest) if oldest else None),
        Pipeline(
            **{
                name: sum(getattr(figures.pipeline, name) for figures in each)
                for name in ("open", "applied", "shortlisted", "accepted", "rejected")
            }
        ),
        sum(figures.open_questions for figures in each),
        [wait for figures in each for wait in figures.first_answers],
    )


def _trainings(session: Session, scope: str | None, now: datetime) -> list[TrainingFigures]:
    found = events.upcoming(session, scope, now, ended_within=RECENT)
    answers = dashboard.training_answers(session, [event.id for event in found], scope)
    return [
        TrainingFigures(
            event,
            (counted := answers[event.id]).invited + counted.going + counted.not_going + counted.waitlisted,
            counted.going,
            counted.not_going,
            counted.invited,
            counted.waitlisted,
            counted.attended,
        )
        for event in found
    ]


def _by_channel(session: Session, scope: str | None, now: datetime) -> list[ChannelOutcomes]:
    totals: dict[str, dict[str, int]] = {}
    for channel, counts in dashboard.deliveries(session, scope, now - RECENT).items():
        kept = totals.setdefault(channel, {})
        for status, count in counts.items():
            status = status if status != DeliveryStatus.SENDING else DeliveryStatus.PENDING
            kept[status] = kept.get(status, 0) + count
    order = {"telegram": 0, "whatsapp": 1, "terminal": 2, NO_CHANNEL: 3}
    channels = sorted(totals, key=lambda channel: order.get(channel, 2))
    return [ChannelOutcomes(channel, totals[channel]) for channel in channels]


# A month with more messages than this (an office of a hundred thousand families and more) has its figures
# kept for a while: counting them again on every view would take seconds at a million families.
KEPT_FROM = 20_000
KEPT_FOR = timedelta(minutes=5)
Runner = Callable[[Callable[[Session], Any]], Awaitable[Any]]  # `Database.run`


class KeptFigures:
    """The dashboard's figures of each scope (one office's, or every office's for admins), kept in the web
    process for KEPT_FOR when the month held at least KEPT_FROM messages: a view meanwhile reads them as
    counted, and the first view after counts them again in the background (one count at a time a scope)
    while it is shown the kept ones. Smaller offices' figures are counted afresh on every view. When the web
    process starts, a big month's figures are counted in the background (`warm`), so that the first view
    after a restart does not wait for them either; a view that comes while its scope is being counted waits
    for that count, never starts a second. Decision 0121."""

    def __init__(self) -> None:
        self._kept: dict[str | None, Dashboard] = {}
        self._counting: dict[str | None, asyncio.Task[Dashboard]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    async def figures(self, run: Runner, actor: Actor, now: datetime) -> Dashboard:
        scope: str | None = await run(lambda s: rights(s, actor).scope)
        kept = self._kept.get(scope)
        counting = self._counting.get(scope)
        if kept is None:
            return await asyncio.shield(counting or self._behind(run, scope, now))
        if now - kept.now >= KEPT_FOR and counting is None:
            self._behind(run, scope, now)
        return kept

    def warm(self, run: Runner, now: datetime) -> asyncio.Task[None]:
        """At the web process's start: where the month's messages are many, every scope's figures counted in
        the background, every office's first (what admins read), then each active office's."""
        task = asyncio.create_task(self._warm(run, now))
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    async def stop(self) -> None:
        """Counts still running given up (the web process stops)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _warm(self, run: Runner, now: datetime) -> None:
        since = now - RECENT
        if not await run(lambda s: dashboard.at_least_delivered(s, since, KEPT_FROM)):
            return
        active = await run(lambda s: [office.code for office in offices.every_office(s) if office.active])
        for scope in [None, *active]:
            if scope not in self._kept and scope not in self._counting:
                await self._behind(run, scope, now)

    def _behind(self, run: Runner, scope: str | None, now: datetime) -> asyncio.Task[Dashboard]:
        task = asyncio.create_task(self._count(run, scope, now))
        self._counting[scope] = task
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        """A count behind that failed (the database out of reach, say) is said; a view counts again."""
        self._tasks.discard(task)
        if not task.cancelled() and (problem := task.exception()) is not None:
            log.info("the dashboard's figures were not counted behind (%s)", type(problem).__name__)

    async def _count(self, run: Runner, scope: str | None, now: datetime) -> Dashboard:
        try:
            found: Dashboard = await run(lambda s: figures_of(s, scope, now))
        finally:
            self._counting.pop(scope, None)
        if sum(outcome.total for outcome in found.deliveries) >= KEPT_FROM:
            self._kept[scope] = found
        else:
            self._kept.pop(scope, None)
        return found
