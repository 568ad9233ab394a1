"""Booking mail through a real SMTP server (aiosmtpd), with .ics files read back by icalendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy.orm import Session

from consult.booking import bookings
from consult.booking.calendar import CalendarEntry, feed_ics
from consult.booking.mail import (
    notify_waitlist,
    send_booking_mail,
    send_due_reminders,
    staff_feed,
    waitlist_message,
)
from consult.mail import MailError, SmtpMailer
from consult.models import Booking, ConsultationType
from showroom.models import StaffMember, Store, WeeklyAvailability
from tests.fixtures.servers import SmtpSink, free_port

KEY = "mail-test-key"
BASE = "https://shop.example.com/"


def setup(session: Session, zone: str) -> tuple[ConsultationType, StaffMember]:
    store = Store(slug=f"s-{zone.lower().replace('/', '-')}", name_en="Showroom London",
                  name_ja="ショールーム ロンドン", timezone=zone)  # fmt: skip
    session.add(store)
    session.flush()
    staff = StaffMember(store_id=store.id, email="aiko@example.com", display_name="Aiko Sato",
                        password_hash="!")  # fmt: skip
    kind = ConsultationType(store_id=store.id, slug="sofa", name_en="Sofa advice",
                            name_ja="ソファのご相談", duration_minutes=30, min_notice_minutes=60)  # fmt: skip
    session.add_all([staff, kind])
    session.flush()
    session.add_all(
        WeeklyAvailability(staff_id=staff.id, weekday=d, start_minute=540, end_minute=1080)
        for d in range(7)
    )
    session.commit()
    return kind, staff


def local(zone: str, text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def book(
    session: Session, kind: ConsultationType, when: datetime, now: datetime, **extra: Any
) -> Booking:
    made = bookings.book(session, kind.id, when, customer_name="Hanako Yamada",
                         customer_email="hanako@example.com", now=now, **extra)  # fmt: skip
    session.commit()
    return made


def mailer(sink: SmtpSink) -> SmtpMailer:
    return SmtpMailer(sink.host, sink.port, default_sender="Showroom <no-reply@showroom.test>")


def ics_of(message: EmailMessage) -> tuple[Calendar, str]:
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return Calendar.from_ical(payload), str(part.get_param("method"))


def texts(message: EmailMessage) -> tuple[str, str]:
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and html is not None
    return plain.get_content(), html.get_content()


@pytest.fixture
def sink(smtp_server: SmtpSink) -> SmtpSink:
    smtp_server.clear()
    return smtp_server


@pytest.mark.parametrize("zone", ["Europe/London", "Asia/Tokyo"])
def test_confirmation_across_a_dst_change_has_a_valid_ics(
    session: Session, sink: SmtpSink, zone: str
) -> None:
    kind, staff = setup(session, zone)
    now = local(zone, "2026-03-20T12:00")  # London is on GMT now, BST from 29 March
    when = local(zone, "2026-03-30T15:00")
    made = book(
        session,
        kind,
        when,
        now,
        staff_id=staff.id,
        language="ja",
        customer_timezone="America/New_York",
    )
    send_booking_mail(session, mailer(sink), made, "confirmation", base_url=BASE, key=KEY)

    [got] = sink.wait_for(1)
    assert got["To"] == "hanako@example.com" and "ご予約" in got["Subject"]
    plain, html = texts(got)
    # the customer's zone first, then the store's: 15:00 in London (BST) is 10:00 in New York
    expected_ny = "10:00" if zone == "Europe/London" else "02:00"
    assert f"2026年3月30日(月) {expected_ny} (America/New_York)" in plain
    assert f"15:00 ({zone})" in plain and "Aiko Sato" in plain and "ソファのご相談" in html

    calendar, method = ics_of(got)
    assert method == "REQUEST" and calendar["METHOD"] == "REQUEST"
    [event] = calendar.walk("VEVENT")
    start = event.decoded("DTSTART")
    assert start == when and start.utcoffset() == (
        timedelta(hours=1) if zone == "Europe/London" else timedelta(hours=9)
    )
    assert event.decoded("DTEND") - start == timedelta(minutes=30)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == [zone]
    assert str(event["UID"]) == f"booking-{made.id}@showroom"

    join = next(line for line in plain.splitlines() if "/booking/join/" in line).split(": ", 1)[1]
    assert join.startswith("https://shop.example.com/booking/join/") and join in html
    token = join.rsplit("/", 1)[1]
    assert bookings.booking_for_link(session, KEY, token, "join", now=now).id == made.id
    manage = next(line for line in plain.splitlines() if "/booking/cancel/" in line).rsplit("/", 1)[
        1
    ]
    with pytest.raises(bookings.BookingError):
        bookings.booking_for_link(
            session, KEY, manage, "join", now=now
        )  # a manage link cannot join


def test_reschedule_and_cancel_update_the_same_event_in_english(
    session: Session, sink: SmtpSink
) -> None:
    kind, _ = setup(session, "America/New_York")
    now = local("America/New_York", "2026-03-05T09:00")
    made = book(session, kind, local("America/New_York", "2026-03-06T10:00"), now, language="en")
    moved = bookings.reschedule(
        session, made.id, local("America/New_York", "2026-03-09T10:00"), now=now
    )
    session.commit()
    send_booking_mail(session, mailer(sink), moved, "rescheduled", base_url=BASE, key=KEY)
    cancelled = bookings.cancel(session, made.id, now=now)
    session.commit()
    send_booking_mail(session, mailer(sink), cancelled, "cancelled", base_url=BASE, key=KEY)

    rescheduled_mail, cancelled_mail = sink.wait_for(2)
    plain, _ = texts(rescheduled_mail)
    assert "Mon 9 Mar 2026, 10:00 (America/New_York)" in plain  # after New York's DST change
    calendar, _ = ics_of(rescheduled_mail)
    [event] = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)  # EDT, UTC-4
    assert event.decoded("SEQUENCE") == 1

    calendar, method = ics_of(cancelled_mail)
    [event] = calendar.walk("VEVENT")
    assert method == "CANCEL" and calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED" and event.decoded("SEQUENCE") == 2
    assert str(event["UID"]) == f"booking-{made.id}@showroom"
    plain, _ = texts(cancelled_mail)
    assert "was cancelled" in plain and "/book/" in plain and "/booking/join/" not in plain


def test_reminders_go_out_once_each_even_when_run_again(session: Session, sink: SmtpSink) -> None:
    kind, _ = setup(session, "Asia/Tokyo")
    now = local("Asia/Tokyo", "2026-03-20T09:00")
    made = book(session, kind, local("Asia/Tokyo", "2026-03-23T15:00"), now, language="en")
    day_before, hour_before = (
        made.starts_at - timedelta(hours=23),
        made.starts_at - timedelta(minutes=55),
    )
    for moment in (day_before, day_before + timedelta(minutes=5), hour_before, hour_before):
        send_due_reminders(session, mailer(sink), base_url=BASE, key=KEY, now=moment)
    got = sink.wait_for(2)
    assert [m["Subject"].split(":")[0] for m in got] == ["Tomorrow", "In one hour"]
    assert len(sink.wait_for(3, timeout=0.3)) == 2


def test_a_refused_reminder_is_retried_later(session: Session, sink: SmtpSink) -> None:
    kind, _ = setup(session, "Asia/Tokyo")
    now = local("Asia/Tokyo", "2026-03-20T09:00")
    made = book(session, kind, local("Asia/Tokyo", "2026-03-23T15:00"), now)
    hour_before = made.starts_at - timedelta(minutes=30)
    dead = SmtpMailer("127.0.0.1", free_port(), timeout=1)
    assert send_due_reminders(session, dead, base_url=BASE, key=KEY, now=hour_before) == 0
    assert send_due_reminders(session, mailer(sink), base_url=BASE, key=KEY, now=hour_before) == 1
    [got] = sink.wait_for(1)
    assert "まもなく" in got["Subject"]
    with pytest.raises(MailError):
        dead.send(got)


def test_waitlist_mail_and_staff_feed(session: Session, sink: SmtpSink) -> None:
    kind, staff = setup(session, "Europe/London")
    entry = bookings.join_waitlist(session, kind.id, date(2026, 3, 30), customer_name="Ken Ito",
                                   customer_email="ken@example.com", language="en")  # fmt: skip
    session.commit()
    mailer(sink).send(waitlist_message(session, entry, base_url=BASE))
    [got] = sink.wait_for(1)
    plain, html = texts(got)
    assert (
        "2026-03-30" in got["Subject"]
        and f"/book/{kind.id}?day=2026-03-30" in plain
        and "<a href" in html
    )

    entries = [
        CalendarEntry(
            n,
            local("Europe/London", f"2026-03-{d}T10:00"),
            local("Europe/London", f"2026-03-{d}T10:30"),
            "Sofa advice",
            "",
            "https://x/join",
            "Europe/London",
        )
        for n, d in ((1, 27), (2, 31))
    ]
    feed = Calendar.from_ical(feed_ics("Aiko Sato", entries))
    starts = [e.decoded("DTSTART").astimezone(UTC).hour for e in feed.walk("VEVENT")]
    assert feed["METHOD"] == "PUBLISH" and starts == [10, 9]  # GMT, then BST
    now = local("Europe/London", "2026-03-20T09:00")
    made = book(session, kind, local("Europe/London", "2026-03-30T09:30"), now, staff_id=staff.id)
    [event] = Calendar.from_ical(
        staff_feed(session, staff.id, base_url=BASE, key=KEY, now=now)
    ).walk("VEVENT")
    assert event.decoded("DTSTART") == made.starts_at and "Aiko Sato" in str(event["SUMMARY"])
    token = bookings.feed_token(session, KEY, staff.id)
    assert bookings.staff_for_feed(session, KEY, token) == staff.id
    with pytest.raises(bookings.BookingError):
        bookings.staff_for_feed(session, "another-key", token)


def test_a_cancel_mails_the_matching_waitlist_once(session: Session, sink: SmtpSink) -> None:
    """A cancel frees time: those waiting for that day (this staff member or anyone) get one
    mail each; other days, other staff and a second cancel that day send nothing more."""
    kind, staff = setup(session, "Asia/Tokyo")
    other = StaffMember(store_id=kind.store_id, email="ren@example.com", display_name="Ren Mori",
                        password_hash="!")  # fmt: skip
    session.add(other)
    session.flush()
    now = local("Asia/Tokyo", "2026-03-20T09:00")
    day = date(2026, 3, 24)

    def wait(name: str, on: date, staff_id: int | None) -> None:
        bookings.join_waitlist(session, kind.id, on, customer_name=name, staff_id=staff_id,
                               customer_email=f"{name}@example.com", language="en")  # fmt: skip

    wait("anyone", day, None)
    wait("aiko-fan", day, staff.id)
    wait("ren-fan", day, other.id)
    wait("next-day", date(2026, 3, 25), None)
    session.commit()
    first = book(session, kind, local("Asia/Tokyo", "2026-03-24T10:00"), now, staff_id=staff.id)
    second = book(session, kind, local("Asia/Tokyo", "2026-03-24T14:00"), now, staff_id=staff.id)

    for made in (first, second):
        bookings.cancel(session, made.id, now=now)
        session.commit()
        notify_waitlist(session, mailer(sink), made.store_id, made.staff_id, made.starts_at,
                        base_url=BASE, now=now)  # fmt: skip

    got = sink.wait_for(2)
    assert len(sink.wait_for(3, timeout=0.5)) == 2  # nothing more after the second cancel
    assert sorted(str(m["To"]) for m in got) == ["aiko-fan@example.com", "anyone@example.com"]
    for message in got:
        plain, _ = texts(message)
        assert "2026-03-24" in str(message["Subject"])
        assert f"{BASE}book/{kind.id}?day=2026-03-24" in plain


def test_a_refused_waitlist_mail_keeps_the_cancel(session: Session) -> None:
    kind, staff = setup(session, "Asia/Tokyo")
    now = local("Asia/Tokyo", "2026-03-20T09:00")
    bookings.join_waitlist(session, kind.id, date(2026, 3, 24), customer_name="Ken Ito",
                           customer_email="ken@example.com")  # fmt: skip
    made = book(session, kind, local("Asia/Tokyo", "2026-03-24T10:00"), now, staff_id=staff.id)
    bookings.cancel(session, made.id, now=now)
    session.commit()
    dead = SmtpMailer("127.0.0.1", free_port(), timeout=1)
    sent = notify_waitlist(session, dead, made.store_id, made.staff_id, made.starts_at,
                           base_url=BASE, now=now)  # fmt: skip
    assert sent == 0
    session.expire_all()
    assert bookings.get_booking(session, made.id).status == "cancelled"


def test_the_mail_signs_with_the_store_lists_the_answers_and_labels_the_ics_utf8(
    session: Session, sink: SmtpSink
) -> None:
    from consult.models import Question

    zone = "Asia/Tokyo"
    kind, staff = setup(session, zone)
    room = Question(consultation_type_id=kind.id, position=0, kind="text", required=True,
                    label_en="Which room are you furnishing?", label_ja="どのお部屋ですか？")  # fmt: skip
    size = Question(consultation_type_id=kind.id, position=1, kind="text", required=False,
                    label_en="Room size (m²)", label_ja="広さ（㎡）")  # fmt: skip
    session.add_all([room, size])
    session.commit()
    now = local(zone, "2026-03-20T12:00")
    made = book(session, kind, local(zone, "2026-03-30T15:00"), now, staff_id=staff.id,
                language="ja", answers={str(size.id): "18", str(room.id): "リビング"})  # fmt: skip
    send_booking_mail(session, mailer(sink), made, "confirmation", base_url=BASE, key=KEY)

    [got] = sink.wait_for(1)
    plain, html = texts(got)
    plain = plain.replace("\r\n", "\n")
    # Signed once by the store's name ("ショールーム ロンドン"), not "ショールーム ショールーム …".
    assert plain.rstrip().endswith("\nショールーム ロンドン")
    assert "ショールーム ショールーム" not in plain + html
    # The answers, in question order, without a "?:" between question and answer.
    assert "どのお部屋ですか？リビング\n広さ（㎡）：18" in plain
    assert "？：" not in plain and "?:" not in plain
    assert "<li>どのお部屋ですか？リビング</li>" in html
    [part] = [p for p in got.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_content_charset() == "utf-8"
    assert part.get_param("method") == "REQUEST"
    calendar, _ = ics_of(got)
    assert "ソファのご相談" in str(calendar.walk("VEVENT")[0]["SUMMARY"])


def test_english_answers_read_naturally() -> None:
    from consult.booking.staff_schedule import question_lead

    assert question_lead("Which room are you furnishing?", "en") + "Living room" == (
        "Which room are you furnishing? Living room"
    )
    assert question_lead("Room size (m²)", "en") + "18" == "Room size (m²): 18"
    assert question_lead("広さ（㎡）", "ja") + "18" == "広さ（㎡）：18"
