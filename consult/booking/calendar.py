"""iCalendar (.ics) files: one booking for the customer, and a staff member's subscription feed.

Times are written in the store's zone with its VTIMEZONE (DST rules included), so calendar apps
show the local time the store agreed to even when daylight saving changes in between.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from showroom.db import utcnow

PRODID = "-//Showroom//Consultations//EN"


@dataclass(frozen=True)
class CalendarEntry:
    """What one VEVENT says about a booking."""

    booking_id: int
    starts_at: datetime  # aware UTC
    ends_at: datetime
    summary: str
    description: str
    location: str  # the join URL: a video call has no place
    timezone: str  # the store's IANA zone
    sequence: int = 0
    cancelled: bool = False
    organizer_email: str = ""
    attendee_email: str = ""


def uid(booking_id: int, domain: str = "showroom") -> str:
    """Stable per booking, so a reschedule or cancel replaces the same calendar event."""
    return f"booking-{booking_id}@{domain}"


def _vtimezone(zone: str, around: Iterable[datetime]) -> Timezone:
    years = [moment.year for moment in around] or [utcnow().year]
    return Timezone.from_tzid(
        zone, first_date=date(min(years) - 1, 1, 1), last_date=date(max(years) + 1, 12, 31)
    )


def _event(entry: CalendarEntry, stamp: datetime) -> Event:
    tz = ZoneInfo(entry.timezone)
    event = Event()
    event.add("uid", uid(entry.booking_id))
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", entry.starts_at.astimezone(tz))
    event.add("dtend", entry.ends_at.astimezone(tz))
    event.add("summary", entry.summary)
    event.add("description", entry.description)
    event.add("location", entry.location)
    if entry.location.startswith("http"):
        event.add("url", entry.location)
    event.add("sequence", entry.sequence)
    event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    if entry.organizer_email:
        event.add("organizer", vCalAddress(f"mailto:{entry.organizer_email}"))
    if entry.attendee_email:
        attendee = vCalAddress(f"mailto:{entry.attendee_email}")
        attendee.params["ROLE"] = vText("REQ-PARTICIPANT")
        event.add("attendee", attendee)
    return event


def _calendar(method: str, entries: list[CalendarEntry], name: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    stamp = utcnow()
    for zone in sorted({entry.timezone for entry in entries}):
        moments = [e.starts_at for e in entries if e.timezone == zone]
        calendar.add_component(_vtimezone(zone, moments))
    for entry in entries:
        calendar.add_component(_event(entry, stamp))
    return calendar


def booking_ics(entry: CalendarEntry) -> bytes:
    """An invitation (METHOD:REQUEST) or, for a cancelled booking, its cancellation."""
    method = "CANCEL" if entry.cancelled else "REQUEST"
    return _calendar(method, [entry]).to_ical()


def feed_ics(name: str, entries: Iterable[CalendarEntry]) -> bytes:
    """A subscription feed (METHOD:PUBLISH) of a staff member's bookings."""
    return _calendar("PUBLISH", list(entries), name).to_ical()


FEED_WINDOW = (timedelta(days=30), timedelta(days=180))  # past, future covered by a feed
