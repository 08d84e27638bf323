"""Charts as plain SVG, drawn on the server: where each bar and each word goes, for `charts.html` to draw.
No script and no inline style (the console's Content-Security-Policy allows neither): colours are the
stylesheet's, by class. In Arabic a chart reads right to left: labels on the right, bars growing leftwards,
the oldest week on the right. Every chart has its numbers in a table beside it; the SVG is a picture of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH = 640
ROW = 30  # a horizontal bar's height, with its gap
LABELS = 200  # room for a horizontal bar's label
PAD = 8
LONGEST_LABEL = 24  # characters of a horizontal bar's label that fit its room; longer ones end in "…"


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    kind: str  # its class: the stylesheet's colour
    title: str  # what a pointer resting on it reads


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str  # "start" or "end", of the text's left-to-right box
    kind: str = "label"


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    title: str  # read by a screen reader, with "see the table beside"
    rects: list[Rect] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)


@dataclass(frozen=True)
class Part:
    kind: str
    label: str
    value: int


def columns(title: str, values: Sequence[int], labels: Sequence[str], *, rtl: bool) -> Chart:
    """One column a value (a week each), the first on the left (right to left: on the right), each labelled
    below and its value above it."""
    height, bottom, top = 180, 150, 20
    chart = Chart(WIDTH, height, title)
    slot = (WIDTH - 2 * PAD) / max(len(values), 1)
    largest = max([*values, 1])
    for index, (value, label) in enumerate(zip(values, labels, strict=True)):
        place = len(values) - 1 - index if rtl else index
        x = PAD + place * slot
        tall = (bottom - top) * value / largest
        chart.rects.append(Rect(x + slot * 0.15, bottom - tall, slot * 0.7, tall, "bar", f"{label}: {value}"))
        centre = x + slot / 2
        if value:
            chart.texts.append(Text(centre, bottom - tall - 4, str(value), "middle", "value"))
        # Every other label is left out on a narrow screen (the stylesheet's "minor"), the newest kept.
        minor = (len(values) - 1 - index) % 2 == 1
        chart.texts.append(Text(centre, bottom + 18, label, "middle", "label minor" if minor else "label"))
    return chart


def bars(title: str, rows: Sequence[tuple[str, int]], *, rtl: bool) -> Chart:
    """A horizontal bar a row, its label beside it, its value at its end."""
    return stacked(title, [(label, [Part("bar", label, value)]) for label, value in rows], rtl=rtl)


def stacked(title: str, rows: Sequence[tuple[str, Sequence[Part]]], *, rtl: bool) -> Chart:
    """A horizontal bar a row made of parts side by side (each its own colour), its label beside it and its
    total at its end; a row whose total is the largest fills the width."""
    chart = Chart(WIDTH, max(len(rows), 1) * ROW + PAD, title)
    room = WIDTH - LABELS - 2 * PAD - 40  # and the total's
    largest = max([sum(part.value for part in parts) for _label, parts in rows] + [1])
    for index, (label, parts) in enumerate(rows):
        y = PAD + index * ROW
        shown = label if len(label) <= LONGEST_LABEL else label[: LONGEST_LABEL - 1].rstrip() + "…"
        chart.texts.append(
            Text(WIDTH - PAD if rtl else PAD, y + ROW * 0.55, shown, "end" if rtl else "start")
        )
        done = 0.0
        for part in parts:
            wide = room * part.value / largest
            x = WIDTH - LABELS - PAD - done - wide if rtl else LABELS + PAD + done
            if wide:
                chart.rects.append(Rect(x, y + 4, wide, ROW - 10, part.kind, f"{part.label}: {part.value}"))
            done += wide
        total = sum(part.value for part in parts)
        end = WIDTH - LABELS - PAD - done - 4 if rtl else LABELS + PAD + done + 4
        chart.texts.append(Text(end, y + ROW * 0.55, str(total), "end" if rtl else "start", "value"))
    return chart
