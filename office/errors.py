"""Why an office action was refused, in the reader's language. Nothing was changed by a refused action."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.i18n import _
from storage.models import Base, length_of


class OfficeError(Exception):
    """An office action refused; `message` says why, already translated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotStaff(OfficeError):
    """The address is no (longer a) staff member's."""


class NotFound(OfficeError):
    """No such thing, or one of another office: both answer the same, so that nothing is revealed."""


class NotAllowed(OfficeError):
    """A right she does not have (an admin's action, or an event of several offices)."""


@dataclass(frozen=True)
class Problem:
    """What is wrong with one of the values given (`field`, as the action names it; None: with all)."""

    field: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


def too_long(
    model: type[Base], values: Mapping[str, str | None], named: Mapping[str, str] | None = None
) -> list[Problem]:
    """A problem for each value longer than its column of `model` holds (by the column's name, or by the
    name `named` gives the value where the action calls it otherwise)."""
    return [
        Problem((named or {}).get(column, column), _("at most %(limit)s characters", limit=limit))
        for column, value in values.items()
        if len(value or "") > (limit := length_of(model, column))
    ]


class Refused(OfficeError):
    """What was given cannot be used: every problem, by the value it is about."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = list(problems)


class RejectedFile(OfficeError):
    """A file that cannot be imported; `problems` are its bad lines, each with its line number."""

    def __init__(self, problems: Sequence[str], lines: Sequence[tuple[int, str]] = ()) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)
        self.lines = list(lines)  # (line number, what is wrong there), when the problems are lines'

    @classmethod
    def at_lines(cls, lines: Sequence[tuple[int, str]]) -> RejectedFile:
        """Bad lines, each with its number: "line 3: mobile: …"."""
        return cls(
            [_("line %(line)s: %(problem)s", line=number, problem=message) for number, message in lines],
            lines,
        )
