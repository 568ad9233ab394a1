"""Who is on each side of a call, as the other side sees them.

A walk-in caller may give a name and the language they want to speak before they join the
queue (both optional: the page's language is the default); the customer sees the member of
staff who serves them, or whom they are waiting for, by name and photo.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from consult.models import Booking, Consultation
from showroom.i18n import LANGUAGES
from showroom.models import StaffMember

MAX_NAME = 120


class IntroError(ValueError):
    """What the caller typed cannot be used; `key` is the translated reason."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class CallerIntro:
    name: str
    language: str


def read_intro(name: object, language: object) -> CallerIntro:
    """The caller's optional name (spaces tidied) and the language they speak."""
    if not isinstance(name, str) or not isinstance(language, str):
        raise IntroError("intro.invalid")
    tidy = " ".join(name.split())
    if len(tidy) > MAX_NAME:
        raise IntroError("intro.name_too_long")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in tidy):
        raise IntroError("intro.invalid")
    if language not in LANGUAGES:
        raise IntroError("intro.language_unknown")
    return CallerIntro(name=tidy, language=language)


@dataclass(frozen=True)
class StaffFace:
    """The member of staff the customer talks to (or waits for); empty when nobody yet."""

    name: str = ""
    photo: str = ""  # relative to the media folder; "" when they have none
    joined: bool = False  # on the call now, rather than expected


def staff_face(session: Session, consultation: Consultation) -> StaffFace:
    """Who serves this call: its staff member, else the one asked for, else the booked one."""
    booking = session.get(Booking, consultation.booking_id) if consultation.booking_id else None
    staff_id = (
        consultation.staff_id
        or consultation.requested_staff_id
        or (booking.staff_id if booking else None)
    )
    member = session.get(StaffMember, staff_id) if staff_id else None
    if member is None:
        return StaffFace()
    joined = consultation.staff_id == member.id and consultation.status != "waiting"
    return StaffFace(name=member.display_name, photo=member.photo or "", joined=joined)
