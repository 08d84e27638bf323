"""Whom staff may address: an audience (storage.audiences) checked against the offices and her rights."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from core.i18n import _
from office import offices
from office.errors import NotAllowed, Refused
from office.rights import Rights
from storage.audiences import Audience


def within_rights(session: Session, by: Rights, requested: Audience) -> Audience:
    """The audience she asked for, if she may address it: an office's staff address their office alone
    (an audience of "every office" becomes hers); unknown offices are refused."""
    known = offices.codes(session)
    unknown = [code for code in requested.offices if code not in known]
    if unknown:
        raise Refused([offices.unknown(session, unknown[0])])
    if by.admin:
        return requested
    if any(code != by.office_code for code in requested.offices):
        raise NotAllowed(_("Staff of an office can only address their own office."))
    return replace(requested, offices=(by.office_code or "-",))
