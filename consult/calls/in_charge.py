"""Who may act on a call now: the member of staff it is with at this moment.

Every staff event and route of a call asks here when it runs, never the page's memory: after
a transfer from Aiko to Mia, Aiko's tabs that are still open are refused (`HandedOn`), so
they cannot push a card into Mia's call, change its cart, chat in it, guide it or end it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.models import Consultation


class HandedOn(PermissionError):
    """The call is with someone else now (or never was this staff member's)."""

    key = "call.handed_on"


def staff_in_charge(session: Session, consultation_id: int, staff_id: int) -> Consultation:
    """The call, if `staff_id` holds it now; LookupError if there is none, else HandedOn.

    The row is locked (PostgreSQL) for the rest of the transaction, so a transfer cannot
    slip in between this check and the action it guards."""
    call = session.scalars(
        select(Consultation).where(Consultation.id == consultation_id).with_for_update()
    ).one_or_none()
    if call is None:
        raise LookupError(f"consultation {consultation_id}")
    if call.staff_id != staff_id:
        raise HandedOn(HandedOn.key)
    return call
