"""The console's home page (`office.dashboard`): how her office's month went, each figure as a chart with its
numbers in a table beside it, and each table as a CSV file. Admins see every office together, and the
offices side by side.

    Sign in → the dashboard → a table's "CSV" → the file
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp_jinja2
from aiohttp import web

from console import charts, views
from console.context import console_of, signed_in_as
from console.forms import download
from core.dates import RIYADH
from core.i18n import N_, LazyText, _, use_language
from office.dashboard import OUTCOMES, Dashboard, OfficeFigures
from office.sheets import Column, write, written_to
from office.words import MESSAGE_OUTCOMES, said
from storage.dashboard import NO_CHANNEL

TABLES = ("registrations", "offices", "trainings", "canteens", "messages")
OUTCOME_KINDS = {  # each delivery status's colour in the charts (the stylesheet's classes)
    "sent": "ok",
    "needs_template": "warn",
    "blocked": "bad",
    "failed": "failed",
    "pending": "wait",
    "cancelled": "muted",
}


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/", dashboard_page, name="home")
    router.add_get("/dashboard/{table:[a-z]{1,20}}.{format:csv|xlsx}", table_file, name="dashboard_table")


@dataclass(frozen=True)
class Table:
    """A chart's numbers, as the page shows them beside it and as its CSV file has them."""

    name: str
    headings: list[str]
    rows: list[list[str | int]]


def _office(figures: OfficeFigures, language: str) -> str:
    return figures.name(language) if figures.code is not None else _("Every office")


def _day(moment: datetime) -> str:
    return moment.astimezone(RIYADH).strftime("%Y-%m-%d")


def _wait(wait: timedelta | None, after_within: bool = False) -> str:
    """A wait alone («ساعتان»), or `after_within` a word like "within" («خلال ساعتين»)."""
    if wait is None:
        return "—"
    return views.duration_after(wait) if after_within else views.duration(wait)


def registrations(found: Dashboard, language: str) -> Table:
    return Table(
        "registrations",
        [_("Week from"), *(_office(figures, language) for figures in found.offices)],
        [
            [_day(start), *(figures.registrations[week] for figures in found.offices)]
            for week, start in enumerate(found.weeks)
        ],
    )


SUMMARY: list[tuple[LazyText, str]] = [  # a row of the offices side by side: its words, and what it reads
    (N_("Registered in the last twelve weeks"), "registered"),
    (N_("Waiting for verification"), "waiting"),
    (N_("The oldest waiting registered on"), "oldest"),
    (N_("Canteen opportunities open"), "open"),
    (N_("Applications not decided yet"), "applied"),
    (N_("Shortlisted"), "shortlisted"),
    (N_("Accepted"), "accepted"),
    (N_("Rejected"), "rejected"),
    (N_("Questions open"), "questions"),
    (N_("First answer, half within (last 30 days)"), "median"),
    (N_("First answer, 9 in 10 within (last 30 days)"), "slow"),
]


def _reads(figures: OfficeFigures, what: str) -> str | int:
    values: dict[str, str | int] = {
        "registered": figures.registered,
        "waiting": figures.waiting.count,
        "oldest": _day(figures.waiting.oldest) if figures.waiting.oldest else "—",
        "open": figures.pipeline.open,
        "applied": figures.pipeline.applied,
        "shortlisted": figures.pipeline.shortlisted,
        "accepted": figures.pipeline.accepted,
        "rejected": figures.pipeline.rejected,
        "questions": figures.open_questions,
        "median": _wait(figures.median_first_answer),
        "slow": _wait(figures.slow_first_answer),
    }
    return values[what]


def offices(found: Dashboard, language: str) -> Table:
    return Table(
        "offices",
        [_("Figure"), *(_office(figures, language) for figures in found.offices)],
        [[str(words), *(_reads(figures, what) for figures in found.offices)] for words, what in SUMMARY],
    )


def trainings(found: Dashboard, language: str) -> Table:
    return Table(
        "trainings",
        [
            _("Training event"),
            _("Starts"),
            _("Invited"),
            _("Going"),
            _("On the waiting list"),
            _("Not going"),
            _("No answer yet"),
            _("Attended"),
        ],
        [
            [
                one.event.title(language),
                _day(one.event.starts_at),
                one.invited,
                one.going,
                one.waitlisted,
                one.not_going,
                one.no_answer,
                one.attended,
            ]
            for one in found.trainings
        ],
    )


def _outcome(status: str) -> str:
    return said(MESSAGE_OUTCOMES, status)


def _channel(channel: str) -> str:
    return _("not sent yet") if channel == NO_CHANNEL else views.channel_name(channel)


def messages(found: Dashboard, language: str) -> Table:
    return Table(
        "messages",
        [_("Channel"), *(_outcome(status) for status in OUTCOMES), _("All")],
        [
            [_channel(each.channel), *(each.counts.get(status, 0) for status in OUTCOMES), each.total]
            for each in found.deliveries
        ],
    )


def canteens(found: Dashboard, language: str) -> Table:
    """The canteen pipeline as it stands now (her office's; admins: every office's together)."""
    pipeline = found.figures.pipeline
    return Table(
        "canteens",
        [_("Canteens now"), _office(found.figures, language)],
        [
            [_("Opportunities open"), pipeline.open],
            [_("Applications not decided yet"), pipeline.applied],
            [_("Shortlisted"), pipeline.shortlisted],
            [_("Accepted"), pipeline.accepted],
            [_("Rejected"), pipeline.rejected],
        ],
    )


SHEET_TITLES: dict[str, LazyText] = {  # each table's sheet in a workbook, named as the page heads it
    "registrations": N_("Registrations per week"),
    "trainings": N_("Training events"),
    "canteens": N_("School canteens"),
    "messages": N_("Messages by channel"),
    "offices": N_("The offices side by side"),
}

BUILDERS = {
    "registrations": registrations,
    "offices": offices,
    "trainings": trainings,
    "canteens": canteens,
    "messages": messages,
}


def _charts(found: Dashboard, language: str) -> dict[str, charts.Chart]:
    rtl = language == "ar"
    figures = found.figures
    week_labels = [
        f"{start.astimezone(RIYADH).day}/{start.astimezone(RIYADH).month}" for start in found.weeks
    ]
    pipeline = figures.pipeline
    return {
        "registrations": charts.columns(
            _("Registrations per week"), figures.registrations, week_labels, rtl=rtl
        ),
        "trainings": charts.stacked(
            _("Answers to each training event"),
            [
                (
                    one.event.title(language),
                    [
                        charts.Part("ok", _("Going"), one.going),
                        charts.Part("wait", _("On the waiting list"), one.waitlisted),
                        charts.Part("muted", _("No answer yet"), one.no_answer),
                        charts.Part("bad", _("Not going"), one.not_going),
                    ],
                )
                for one in found.trainings
            ],
            rtl=rtl,
        ),
        "canteens": charts.bars(
            _("The canteen pipeline"),
            [
                (_("Opportunities open"), pipeline.open),
                (_("Applications not decided yet"), pipeline.applied),
                (_("Shortlisted"), pipeline.shortlisted),
                (_("Accepted"), pipeline.accepted),
                (_("Rejected"), pipeline.rejected),
            ],
            rtl=rtl,
        ),
        "messages": charts.stacked(
            _("Messages of the last 30 days, by channel"),
            [
                (
                    _channel(each.channel),
                    [
                        charts.Part(OUTCOME_KINDS[status], _outcome(status), each.counts.get(status, 0))
                        for status in OUTCOMES
                    ],
                )
                for each in found.deliveries
            ],
            rtl=rtl,
        ),
    }


async def dashboard_page(request: web.Request) -> web.StreamResponse:
    console, who = console_of(request), signed_in_as(request)
    now = console.clock()
    found = await console.kept_figures.figures(console.database.run, who.actor, now)
    language = who.language
    context = {
        "found": found,
        "figures": found.figures,
        "tables": {name: build(found, language) for name, build in BUILDERS.items()},
        "charts": _charts(found, language),
        "outcome_kinds": [(OUTCOME_KINDS[status], _outcome(status)) for status in OUTCOMES],
        "median": _wait(found.figures.median_first_answer),
        "slow": _wait(found.figures.slow_first_answer, after_within=True),
    }
    return aiohttp_jinja2.render_template("dashboard.html", request, context)


async def table_file(request: web.Request) -> web.StreamResponse:
    """One of the dashboard's tables for Excel, in her language (counts only: nobody is named)."""
    console, who = console_of(request), signed_in_as(request)
    name = request.match_info["table"]
    if name not in BUILDERS:
        raise web.HTTPNotFound()
    now = console.clock()
    found = await console.kept_figures.figures(console.database.run, who.actor, now)
    table = BUILDERS[name](found, who.language)
    columns = [Column(str(index), str(heading)) for index, heading in enumerate(table.headings)]
    out = written_to(request.match_info["format"])
    with use_language(who.language):
        title = (
            SHEET_TITLES[name]
            if name != "offices" or len(found.offices) > 1
            else N_("Your office in numbers")
        )
        rows = ({str(index): cell for index, cell in enumerate(row)} for row in table.rows)
        write(out, columns, rows, title)
    return await download(request, f"{name}-{_day(now)}", out)
