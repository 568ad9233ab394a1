"""Booking emails: confirmation, reschedule, cancellation, reminders, waitlist openings.

Each is multipart text + HTML in the customer's language (ja/en), shows the time in the
customer's zone and the store's, carries the .ics and signed links built from a base URL.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from html import escape
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from consult.booking.bookings import (
    bookings_by_id,
    claim_reminder,
    claim_waitlist,
    due_reminders,
    link_token,
    release_reminder,
    staff_bookings,
)
from consult.booking.calendar import FEED_WINDOW, CalendarEntry, booking_ics, feed_ics
from consult.booking.rules import BookingError
from consult.booking.staff_schedule import answers_shown
from consult.mail import Mailer, MailError, build_message
from consult.models import Booking, ConsultationType, WaitlistEntry
from showroom.db import utcnow
from showroom.models import StaffMember, Store

log = logging.getLogger(__name__)

# Page paths the links open (the lead wires the pages): token-addressed, no login.
JOIN_PATH, RESCHEDULE_PATH, CANCEL_PATH = (
    "/booking/join/",
    "/booking/reschedule/",
    "/booking/cancel/",
)
BOOK_PATH = "/book/"

SUBJECTS = {
    "confirmation": ("Your consultation is booked: {when}", "ご相談のご予約を承りました：{when}"),
    "rescheduled": ("Your consultation was moved: {when}", "ご相談の日時を変更しました：{when}"),
    "cancelled": ("Your consultation was cancelled", "ご相談のキャンセルを承りました"),
    "reminder_24h": ("Tomorrow: your consultation at {when}", "明日のご相談のお知らせ：{when}"),
    "reminder_1h": ("In one hour: your consultation at {when}", "まもなくご相談です：{when}"),
}
INTROS = {
    "confirmation": (
        "Thank you, your consultation is booked.",
        "ご相談のご予約ありがとうございます。",
    ),
    "rescheduled": (
        "Your consultation now takes place at the new time below.",
        "ご相談を以下の日時に変更しました。",
    ),
    "cancelled": ("Your consultation below was cancelled.", "以下のご相談はキャンセルされました。"),
    "reminder_24h": ("A reminder: your consultation is tomorrow.", "明日のご相談のお知らせです。"),
    "reminder_1h": (
        "A reminder: your consultation starts in one hour.",
        "ご相談の開始まで1時間となりました。",
    ),
}
LABELS = {
    "greeting": ("Dear {name},", "{name} 様"),
    "when": ("When", "日時"),
    "store_time": ("Store time", "店舗の時間"),
    "with": ("With", "担当"),
    "what": ("Consultation", "ご相談内容"),
    "join": ("Join the video call", "ビデオ通話に参加"),
    "reschedule": ("Change the time", "日時を変更"),
    "cancel": ("Cancel", "キャンセル"),
    "book_again": ("Book a new time", "新しい日時を予約"),
    "signature": ("{store}", "{store}"),  # the store's name already says "Showroom"
    "answers": ("What you told us", "ご回答内容"),
}
WAITLIST = {
    "subject": ("A consultation slot opened on {day}", "{day} にご相談の空きが出ました"),
    "body": (
        "A slot opened on {day} at {store}. Book it before someone else does:",
        "{store} で {day} のご相談に空きが出ました。お早めにご予約ください：",
    ),
}
WEEKDAYS_JA = "月火水木金土日"


def _pick(pair: tuple[str, str], language: str) -> str:
    return pair[1] if language == "ja" else pair[0]


def format_time(moment: datetime, zone: str, language: str) -> str:
    """'Tue 24 Nov 2026, 15:00 (Asia/Tokyo)' or '2026年11月24日(火) 15:00 (Asia/Tokyo)'."""
    local = moment.astimezone(ZoneInfo(zone))
    if language == "ja":
        day = f"{local.year}年{local.month}月{local.day}日({WEEKDAYS_JA[local.weekday()]})"
        return f"{day} {local:%H:%M} ({zone})"
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} ({zone})"


@dataclass(frozen=True)
class BookingFacts:
    """Everything a booking email says, loaded once."""

    booking: Booking
    kind: ConsultationType
    staff: StaffMember | None
    store: Store
    answers: list[dict[str, str]]  # the questionnaire, as shown: {"question", "lead", "answer"}

    @property
    def zone(self) -> str:
        return self.booking.customer_timezone or self.store.timezone

    def kind_name(self) -> str:
        return self.kind.name_ja if self.booking.language == "ja" else self.kind.name_en

    def store_name(self) -> str:
        return self.store.name_ja if self.booking.language == "ja" else self.store.name_en


def load_facts(session: Session, booking: Booking) -> BookingFacts:
    kind = session.get(ConsultationType, booking.consultation_type_id)
    store = session.get(Store, booking.store_id)
    staff = session.get(StaffMember, booking.staff_id) if booking.staff_id else None
    assert kind is not None and store is not None
    return BookingFacts(
        booking, kind, staff, store, answers_shown(session, booking, booking.language)
    )


def calendar_entry(facts: BookingFacts, join_url: str) -> CalendarEntry:
    b = facts.booking
    with_whom = f" — {facts.staff.display_name}" if facts.staff else ""
    return CalendarEntry(
        booking_id=b.id,
        starts_at=b.starts_at,
        ends_at=b.ends_at,
        summary=f"{facts.kind_name()}{with_whom} ({facts.store_name()})",
        description=f"{_pick(LABELS['join'], b.language)}: {join_url}",
        location=join_url,
        timezone=facts.store.timezone,
        sequence=b.sequence,
        cancelled=b.status == "cancelled",
        attendee_email=b.customer_email,
    )


def _links(facts: BookingFacts, base_url: str, key: str) -> dict[str, str]:
    base = base_url.rstrip("/")
    join = link_token(key, facts.booking, "join")
    manage = link_token(key, facts.booking, "manage")
    return {
        "join": f"{base}{JOIN_PATH}{join}",
        "reschedule": f"{base}{RESCHEDULE_PATH}{manage}",
        "cancel": f"{base}{CANCEL_PATH}{manage}",
        "book_again": f"{base}{BOOK_PATH}{facts.kind.id}",
    }


def _lines(facts: BookingFacts, kind: str) -> list[tuple[str, str]]:
    b, lang = facts.booking, facts.booking.language
    rows = [(_pick(LABELS["what"], lang), facts.kind_name())]
    rows.append((_pick(LABELS["when"], lang), format_time(b.starts_at, facts.zone, lang)))
    if facts.zone != facts.store.timezone:
        store_time = format_time(b.starts_at, facts.store.timezone, lang)
        rows.append((_pick(LABELS["store_time"], lang), store_time))
    if facts.staff:
        rows.append((_pick(LABELS["with"], lang), facts.staff.display_name))
    return rows


def _answer_lines(facts: BookingFacts) -> list[str]:
    return [a["lead"] + a["answer"] for a in facts.answers]


def _actions(kind: str) -> tuple[str, ...]:
    return ("book_again",) if kind == "cancelled" else ("join", "reschedule", "cancel")


def _text(facts: BookingFacts, kind: str, links: dict[str, str]) -> str:
    lang = facts.booking.language
    parts = [_pick(LABELS["greeting"], lang).format(name=facts.booking.customer_name), ""]
    parts += [_pick(INTROS[kind], lang), ""]
    parts += [f"{label}: {value}" for label, value in _lines(facts, kind)]
    if facts.answers and kind != "cancelled":
        parts += ["", _pick(LABELS["answers"], lang), *_answer_lines(facts)]
    parts.append("")
    parts += [f"{_pick(LABELS[a], lang)}: {links[a]}" for a in _actions(kind)]
    parts += ["", _pick(LABELS["signature"], lang).format(store=facts.store_name())]
    return "\n".join(parts) + "\n"


def _html(facts: BookingFacts, kind: str, links: dict[str, str]) -> str:
    lang = facts.booking.language
    greeting = _pick(LABELS["greeting"], lang).format(name=facts.booking.customer_name)
    rows = "".join(
        f"<tr><th align='left'>{escape(k)}</th><td>{escape(v)}</td></tr>"
        for k, v in _lines(facts, kind)
    )
    actions = " | ".join(
        f"<a href='{escape(links[a])}'>{escape(_pick(LABELS[a], lang))}</a>" for a in _actions(kind)
    )
    signature = _pick(LABELS["signature"], lang).format(store=facts.store_name())
    answers = ""
    if facts.answers and kind != "cancelled":
        items = "".join(f"<li>{escape(line)}</li>" for line in _answer_lines(facts))
        answers = f"<p>{escape(_pick(LABELS['answers'], lang))}</p><ul>{items}</ul>"
    return (
        f"<html lang='{lang}'><body><p>{escape(greeting)}</p>"
        f"<p>{escape(_pick(INTROS[kind], lang))}</p><table>{rows}</table>{answers}"
        f"<p>{actions}</p><p>{escape(signature)}</p></body></html>\n"
    )


def booking_message(
    session: Session, booking: Booking, kind: str, *, base_url: str, key: str
) -> EmailMessage:
    """kind: confirmation | rescheduled | cancelled | reminder_24h | reminder_1h."""
    facts = load_facts(session, booking)
    lang, links = booking.language, _links(facts, base_url, key)
    when = format_time(booking.starts_at, facts.zone, lang)
    ics = booking_ics(calendar_entry(facts, links["join"]))
    message = build_message(
        booking.customer_email,
        _pick(SUBJECTS[kind], lang).format(when=when),
        _text(facts, kind, links),
        _html(facts, kind, links),
        attachments=[("consultation.ics", ics, "text/calendar")],
    )
    if booking.status == "cancelled":  # build_message labels calendars as REQUEST
        for part in message.iter_attachments():
            part.set_param("method", "CANCEL")
    return message


def send_booking_mail(
    session: Session, mailer: Mailer, booking: Booking, kind: str, *, base_url: str, key: str
) -> None:
    mailer.send(booking_message(session, booking, kind, base_url=base_url, key=key))


def staff_feed(
    session: Session, staff_id: int, *, base_url: str, key: str, now: datetime | None = None
) -> bytes:
    """The .ics feed behind a staff member's secret feed URL: bookings from a month ago on."""
    staff = session.get(StaffMember, staff_id)
    if staff is None:
        raise BookingError("booking.unknown_staff", f"staff {staff_id}")
    now = now or utcnow()
    past, future = FEED_WINDOW
    entries = []
    for booking in staff_bookings(session, staff_id, now - past, now + future):
        facts = load_facts(session, booking)
        entries.append(calendar_entry(facts, _links(facts, base_url, key)["join"]))
    return feed_ics(staff.display_name, entries)


def waitlist_message(session: Session, entry: WaitlistEntry, *, base_url: str) -> EmailMessage:
    store = session.get(Store, entry.store_id)
    assert store is not None
    lang = entry.language
    store_name = store.name_ja if lang == "ja" else store.name_en
    day = entry.day.isoformat()
    link = f"{base_url.rstrip('/')}{BOOK_PATH}{entry.consultation_type_id}?day={day}"
    body = _pick(WAITLIST["body"], lang).format(day=day, store=store_name)
    greeting = _pick(LABELS["greeting"], lang).format(name=entry.customer_name)
    return build_message(
        entry.customer_email,
        _pick(WAITLIST["subject"], lang).format(day=day),
        f"{greeting}\n\n{body}\n{link}\n",
        f"<html lang='{lang}'><body><p>{escape(greeting)}</p><p>{escape(body)}</p>"
        f"<p><a href='{escape(link)}'>{escape(_pick(LABELS['book_again'], lang))}</a></p>"
        "</body></html>\n",
    )


def notify_waitlist(
    session: Session,
    mailer: Mailer,
    store_id: int,
    staff_id: int | None,
    freed_at: datetime,
    *,
    base_url: str,
    now: datetime | None = None,
) -> int:
    """After a cancel or a reschedule freed the time starting at `freed_at` (call it once the
    change is committed): claim the waiting entries for that day (this staff member or anyone),
    commit the claims so each is mailed once, then mail each. A refused mail is logged and never
    undoes the change that freed the time. Returns the number of mails sent."""
    claimed = claim_waitlist(session, store_id, staff_id, freed_at, now=now)
    session.commit()
    sent = 0
    for entry in claimed:
        try:
            mailer.send(waitlist_message(session, entry, base_url=base_url))
            sent += 1
        except MailError:
            log.exception("waitlist entry %s: opening mail not sent", entry.id)
    return sent


def send_due_reminders(
    session: Session, mailer: Mailer, *, base_url: str, key: str, now: datetime | None = None
) -> int:
    """Send each due reminder once; commits a claim before sending so a restart never repeats
    it, and releases the claim if the mail server refuses so a later run retries."""
    due = due_reminders(session, now=now)
    session.commit()
    bookings, sent = bookings_by_id(session, [booking_id for booking_id, _ in due]), 0
    for booking_id, kind in due:
        if not claim_reminder(session, booking_id, kind, now=now):
            session.rollback()
            continue
        session.commit()
        try:
            send_booking_mail(
                session,
                mailer,
                bookings[booking_id],
                f"reminder_{kind}",
                base_url=base_url,
                key=key,
            )
            sent += 1
        except MailError:
            log.exception("reminder %s for booking %s not sent; will retry", kind, booking_id)
            release_reminder(session, booking_id, kind)
            session.commit()
    return sent
