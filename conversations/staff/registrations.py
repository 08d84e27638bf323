"""Registrations in the staff chat: how many families each office has and how many wait; the registrations
waiting, one family's details before anything is decided, and where her registration goes from there.

Registrations → Verify registrations → one family (her details) → Verify → Undo · Next · Back
                                                                → Ask for a correction → the reason → Back
              → Find a family (her ID or mobile) → one family → … · Take the verification back → the reason
              → Staff menu
An office's staff see their office's families only; another office's answers as nobody.
"""

from __future__ import annotations

from dataclasses import dataclass

from conversations.engine.turn import Answer, FlowName, Turn
from core.channel import Offer
from core.domain import Verification
from core.i18n import N_, _
from core.payloads import Options, Payload
from core.text import says_none
from core.validators import mask
from office import registrations
from office.errors import OfficeError
from office.words import registration_lines
from storage import offices
from storage.models import Beneficiary

WAITING, FINDING, DETAIL, REASON, DONE = "waiting", "finding", "detail", "reason", "done"
SHOWN = "registration_family"  # the family on her screen
ASKING = "registration_asking"  # what the reason is for: a correction, or taking the verification back
SEEN = "registration_seen"  # where her registration's history stood when it was on her screen
SHOWN_AT_ONCE = 20


@dataclass(frozen=True)
class ShowFamily(Payload, prefix="registration"):
    family: int


class RegistrationsOption(Options, prefix="registrations"):
    """The registrations' options, in the staff chat."""

    WAITING_LIST = "waiting"
    FIND = "find"
    STAFF_MENU = "staff"
    OVERVIEW = "overview"
    VERIFY = "verify"
    CORRECTION = "correction"
    UNVERIFY = "unverify"
    UNDO = "undo"
    NEXT = "next"
    BACK = "back"


class StaffRegistrations:
    name = FlowName.STAFF_REGISTRATIONS

    def begin(self, turn: Turn) -> None:
        self.ask(turn)

    def ask(self, turn: Turn) -> None:
        if turn.staff is None:
            turn.go(FlowName.HOME)
        elif turn.step == WAITING:
            self._waiting(turn)
        elif turn.step == FINDING:
            self._finding(turn)
        elif turn.step == REASON:
            self._reason(turn, turn.answers.get(ASKING) or RegistrationsOption.CORRECTION)
        elif turn.step in (DETAIL, DONE):
            self._detail(turn)
        else:
            self._overview(turn)

    def answer(self, turn: Turn, answer: Answer) -> None:
        choice = answer.choice
        if turn.staff is None:
            turn.go(FlowName.HOME)
        elif choice == RegistrationsOption.STAFF_MENU:
            turn.go(FlowName.STAFF)
        elif choice == RegistrationsOption.OVERVIEW:
            self._overview(turn)
        elif choice in (RegistrationsOption.WAITING_LIST, RegistrationsOption.NEXT):
            self._waiting(turn)
        elif choice == RegistrationsOption.FIND:
            self._finding(turn)
        elif turn.step == WAITING and (chosen := ShowFamily.unpack(choice)):
            turn.remember(**{SHOWN: chosen.family})
            self._detail(turn)
        elif turn.step == FINDING and not choice:
            self._found(turn, answer.text)
        elif choice == RegistrationsOption.BACK and turn.step == REASON:
            self._detail(turn)
        elif choice == RegistrationsOption.BACK:
            self._waiting(turn)
        elif turn.step == DETAIL and choice == RegistrationsOption.VERIFY:
            self._verify(turn)
        elif turn.step == DETAIL and choice in (RegistrationsOption.CORRECTION, RegistrationsOption.UNVERIFY):
            self._reason(turn, choice)
        elif turn.step == REASON and not choice:
            self._with_reason(turn)
        elif turn.step == DONE and choice == RegistrationsOption.UNDO:
            self._undo(turn)
        else:
            turn.say(_("Sorry, I did not understand that. Please choose from the menu by typing a number."))
            self.ask(turn)

    def help(self, turn: Turn) -> str | None:
        return _(
            "Here you check the registrations of your office: verify one, ask a family to correct hers (she "
            "reads your reason), or find a family by her ID or mobile."
        )

    def cancel(self, turn: Turn) -> None:
        turn.say(_("Nothing was changed."))
        self._overview(turn)

    # -- screens --------------------------------------------------------------------------------------

    def _overview(self, turn: Turn) -> None:
        turn.step = None
        lines = [_("Registered families:")]
        waiting = 0
        for office in registrations.overview(turn.session, turn.actor):
            waiting += office.waiting
            lines.append(
                _(
                    "%(office)s: %(registered)s registered, %(waiting)s waiting for verification, "
                    "%(correction)s asked to correct their registration",
                    office=office.name(turn.language),
                    registered=office.registered,
                    waiting=office.waiting,
                    correction=office.correction,
                )
            )
        turn.say(
            "\n".join(lines),
            [
                Offer(
                    label=_("Verify registrations (%(count)s waiting)", count=waiting),
                    payload=RegistrationsOption.WAITING_LIST,
                ),
                Offer(label=N_("Find a family"), payload=RegistrationsOption.FIND),
                Offer(label=N_("Staff menu"), payload=RegistrationsOption.STAFF_MENU),
            ],
        )

    def _waiting(self, turn: Turn) -> None:
        waiting = registrations.waiting(turn.session, turn.actor, SHOWN_AT_ONCE)
        if not waiting:
            turn.say(_("No registration is waiting for verification."))
            self._overview(turn)
            return
        turn.step = WAITING
        names = offices.names(turn.session, turn.language)
        turn.say(
            _("Registrations waiting for verification. Choose a family to see her details:"),
            [
                *(Offer(label=_label(family, names), payload=ShowFamily(family.id)) for family in waiting),
                Offer(label=N_("Back"), payload=RegistrationsOption.OVERVIEW),
            ],
        )

    def _finding(self, turn: Turn) -> None:
        turn.step = FINDING
        turn.say(
            _("Type her national ID or her mobile number."),
            [Offer(label=N_("Back"), payload=RegistrationsOption.OVERVIEW)],
        )

    def _found(self, turn: Turn, typed: str) -> None:
        try:
            found = registrations.find(turn.session, turn.actor, typed)
        except OfficeError as refused:
            turn.say(refused.message)
            self._finding(turn)
            return
        turn.remember(**{SHOWN: found.id})
        self._detail(turn)

    def _shown(self, turn: Turn) -> Beneficiary | None:
        number = turn.answers.get(SHOWN)
        if not isinstance(number, int):
            return None
        try:
            return registrations.family(turn.session, turn.actor, number)
        except OfficeError:
            return None

    def _detail(self, turn: Turn) -> None:
        family = self._shown(turn)
        if family is None:
            turn.say(_("That family is not one you can see."))
            self._overview(turn)
            return
        turn.step = DETAIL
        turn.remember(**{SEEN: registrations.last_change(turn.session, turn.actor, family.id)})
        state = family.verification
        offers = (
            [Offer(label=N_("Take the verification back"), payload=RegistrationsOption.UNVERIFY)]
            if state is Verification.VERIFIED
            else [
                Offer(label=N_("Verify"), payload=RegistrationsOption.VERIFY),
                Offer(label=N_("Ask for a correction"), payload=RegistrationsOption.CORRECTION),
            ]
        )
        turn.say(details(turn, family), [*offers, Offer(label=N_("Back"), payload=RegistrationsOption.BACK)])

    def _verify(self, turn: Turn) -> None:
        family = self._shown(turn)
        if family is None:
            self._overview(turn)
            return
        try:
            registrations.verify(turn.session, turn.actor, family.id, turn.now, seen=_seen(turn))
        except OfficeError as refused:
            turn.say(refused.message)
            self._detail(turn)
            return
        turn.step = DONE
        turn.say(
            _("%(name)s is verified. She is told.", name=family.full_name),
            [
                Offer(label=N_("Undo"), payload=RegistrationsOption.UNDO),
                Offer(label=N_("Next registration"), payload=RegistrationsOption.NEXT),
                Offer(label=N_("Back"), payload=RegistrationsOption.OVERVIEW),
            ],
        )

    def _undo(self, turn: Turn) -> None:
        family = self._shown(turn)
        if family is not None:
            try:
                registrations.unverify(turn.session, turn.actor, family.id, _("Undone at once"), turn.now)
            except OfficeError as refused:
                turn.say(refused.message)
            else:
                turn.say(_("Undone: her registration waits for verification again."))
        self._detail(turn)

    def _reason(self, turn: Turn, asking: str) -> None:
        turn.remember(**{ASKING: asking})
        turn.step = REASON
        turn.say(
            _("What should she correct? She will read it, so write it to her.")
            if asking == RegistrationsOption.CORRECTION
            else _("Why is the verification taken back? It is kept in the log; she is not told."),
            [Offer(label=N_("Back"), payload=RegistrationsOption.BACK)],
        )

    def _with_reason(self, turn: Turn) -> None:
        family = self._shown(turn)
        written = " ".join(turn.inbound.text.split())
        if family is None:
            self._overview(turn)
            return
        if not written or says_none(written):
            turn.say(_("Please give the reason."))
            self._reason(turn, turn.answers.get(ASKING) or RegistrationsOption.CORRECTION)
            return
        try:
            if turn.answers.get(ASKING) == RegistrationsOption.UNVERIFY:
                registrations.unverify(
                    turn.session, turn.actor, family.id, written, turn.now, seen=_seen(turn)
                )
                turn.say(_("The verification is taken back: her registration waits for verification again."))
            else:
                registrations.ask_correction(
                    turn.session, turn.actor, family.id, written, turn.now, seen=_seen(turn)
                )
                turn.say(_("She is asked to correct her registration, with your words."))
        except OfficeError as refused:
            turn.say(refused.message)
        self._detail(turn)


def _seen(turn: Turn) -> int | None:
    """Her registration's history as it stood on the screen she decides from (None: not known)."""
    seen = turn.answers.get(SEEN)
    return seen if isinstance(seen, int) else None


def details(turn: Turn, family: Beneficiary) -> str:
    """What staff check before deciding: her details (the ID's end only), and where her registration is."""
    state = {
        Verification.WAITING: _("waiting for verification"),
        Verification.VERIFIED: _("verified"),
        Verification.CORRECTION: _("asked to correct it: %(reason)s", reason=family.correction_reason or ""),
    }[family.verification]
    return "\n".join(
        [family.full_name, *registration_lines(family), _("Registration: %(state)s", state=state)]
    )


def _label(family: Beneficiary, office_names: dict[str, str]) -> str:
    """Her name, the end of her ID (two families may share a name) and her office."""
    office = office_names.get(family.office_code, family.office_code)
    return f"{family.full_name} · {mask(family.national_id)} · {office}"
