"""A customer books a named member of staff, gets the confirmation email with its .ics, then
reschedules and cancels from the email's links; a tampered link is refused in words."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import icalendar
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, ContextFactory, RunningApp
from tests.fixtures.servers import SmtpSink

STAFF = "Mia Tanaka"
AREA_QUESTION = "Roughly how large is the room (m²)?"
DAYS_AHEAD = 3  # beyond any minimum notice, whatever weekday today is


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"booking-{name}.png", full_page=True)


def pick_slot(page: Page, skip_day: str = "") -> tuple[str, datetime]:
    """Click the first listed day at least DAYS_AHEAD days out (other than `skip_day`), then
    its first free time; returns (day, slot start in UTC)."""
    days = page.locator("#booking-days button[data-day]")
    expect(days.first).to_be_visible()
    earliest = (datetime.now(UTC).date() + timedelta(days=DAYS_AHEAD)).isoformat()
    day = next(
        d
        for d in (days.nth(i).get_attribute("data-day") or "" for i in range(days.count()))
        if d >= earliest and d != skip_day
    )
    day_button = page.locator(f"#booking-days button[data-day='{day}']")
    day_button.click()
    expect(day_button).to_have_attribute("aria-checked", "true")
    page.locator("#booking-slots button[data-start]").first.click()
    chosen = page.locator("#booking-slots button[aria-checked='true']")
    expect(chosen).to_have_count(1)
    expect(page.locator("#booking-chosen")).to_be_visible()
    return day, datetime.fromisoformat(chosen.get_attribute("data-start") or "")


def mail_to(smtp: SmtpSink, email: str, count: int) -> list[EmailMessage]:
    """The messages to `email`, waiting until there are `count` of them."""
    for _ in range(50):
        mails = [m for m in smtp.wait_for(1) if m["To"] == email]
        if len(mails) >= count:
            return mails
        smtp.wait_for(len(smtp.messages) + 1, timeout=0.2)
    raise AssertionError(f"expected {count} mails to {email}, got {len(mails)}")


def event_start(message: EmailMessage) -> datetime:
    [ics] = [p for p in message.iter_attachments() if p.get_filename() == "consultation.ics"]
    calendar = icalendar.Calendar.from_ical(ics.get_content())
    [event] = calendar.walk("VEVENT")
    start: datetime = event.decoded("DTSTART")
    return start


def link_in(message: EmailMessage, kind: str) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    found = re.search(rf"https?://\S+/booking/{kind}/\S+", body.get_content())
    assert found, f"no {kind} link in the mail"
    return found.group(0)


def booking_status(app: RunningApp, email: str) -> str:
    return app.python(
        "from sqlalchemy import select\n"
        "from showroom.db import session_scope\n"
        "from consult.models import Booking\n"
        "with session_scope() as s:\n"
        f"    print(','.join(s.scalars(select(Booking.status).where(Booking.customer_email == {email!r}))))\n"
    )


def fill_room_questionnaire(page: Page, email: str) -> None:
    """The room type's questions: 'no' to the floor plan makes the area question appear."""
    expect(page.get_by_text(AREA_QUESTION)).to_have_count(0)
    page.get_by_role("radio", name="Living room").click()
    page.get_by_role("radio", name="No", exact=True).click()
    expect(page.get_by_label(AREA_QUESTION)).to_be_visible()
    page.get_by_label("Name").fill("Hanako Yamada")
    page.get_by_label("Email").fill(email)


def test_customer_books_a_named_staff_member_then_reschedules_and_cancels_by_email_links(
    app: RunningApp, page: Page, smtp_server: SmtpSink
) -> None:
    email = f"hanako-{uuid.uuid4().hex[:8]}@example.com"
    page.goto(f"{app.url}/book/aoyama")
    expect(
        page.get_by_role("heading", name="Book a consultation · Showroom Aoyama")
    ).to_be_visible()
    page.get_by_role("radio", name=re.compile("Room planning")).click()
    page.get_by_role("radio", name=re.compile(STAFF)).click()
    day, start = pick_slot(page)
    fill_room_questionnaire(page, email)
    shot(page, "form")

    page.get_by_role("button", name="Book this consultation").click()
    expect(page.get_by_role("alert")).to_have_text("Please answer the required questions.")
    assert booking_status(app, email) == ""  # nothing stored on error
    shot(page, "form-error")

    page.get_by_label(AREA_QUESTION).fill("18")
    page.get_by_role("button", name="Book this consultation").click()
    page.wait_for_url(re.compile(r".*/booking/confirmed/[^/]+/?$"))
    expect(page.get_by_role("heading", name="Your consultation is booked")).to_be_visible()
    expect(page.locator("#detail-staff")).to_have_text(STAFF)
    expect(page.locator("#detail-store-when")).to_contain_text("(Asia/Tokyo)")
    expect(page.locator("#join-link")).to_contain_text("/booking/join/")
    shot(page, "confirmed")

    [confirmation] = mail_to(smtp_server, email, 1)
    assert event_start(confirmation) == start
    page.goto(link_in(confirmation, "join"))
    expect(page.locator("#join-note")).to_contain_text("at the time of your consultation")
    expect(page.locator("#detail-staff")).to_have_text(STAFF)
    shot(page, "join")

    page.goto(link_in(confirmation, "reschedule"))
    expect(page.get_by_role("heading", name="Change your booking")).to_be_visible()
    _, new_start = pick_slot(page, skip_day=day)
    page.get_by_role("button", name="Move to this time").click()
    expect(page.get_by_role("alert")).to_contain_text("Your consultation was moved")
    shot(page, "rescheduled")
    moved = mail_to(smtp_server, email, 2)[-1]
    assert "moved" in str(moved["Subject"])
    assert event_start(moved) == new_start != start

    page.goto(link_in(moved, "cancel"))
    expect(page.get_by_role("heading", name="Cancel your booking")).to_be_visible()
    shot(page, "cancel")
    page.get_by_role("button", name="Yes, cancel it").click()
    expect(page.get_by_role("alert")).to_contain_text("Your consultation was cancelled")
    expect(page.get_by_role("link", name="Book a new time")).to_be_visible()
    shot(page, "cancelled")
    assert "cancelled" in str(mail_to(smtp_server, email, 3)[-1]["Subject"])
    assert booking_status(app, email) == "cancelled"


def _real_manage_token(app: RunningApp) -> str:
    return app.python(
        "from sqlalchemy import select\n"
        "from showroom.db import session_scope\n"
        "from showroom.settings import get_settings\n"
        "from consult.booking.bookings import book, free_slots, link_token\n"
        "from consult.models import ConsultationType\n"
        "with session_scope() as s:\n"
        "    kind = s.scalar(select(ConsultationType).where(ConsultationType.slug == 'quick'))\n"
        "    slot = free_slots(s, kind.id, days=14)[-1]\n"
        "    b = book(s, kind.id, slot.starts_at, customer_name='T', customer_email='t@example.com')\n"
        "    print(link_token(get_settings().secret_key, b, 'manage'))\n"
    )


def test_a_tampered_link_is_refused_in_the_customers_language(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    token = _real_manage_token(app)
    flipped = "A" if token[-10] != "A" else "B"  # inside the signature, not its padding bits
    tampered = token[:-10] + flipped + token[-9:]
    page = browser_context(locale="ja-JP").pages[0]
    page.goto(f"{app.url}/booking/cancel/{tampered}")
    expect(page.get_by_role("alert")).to_have_text(
        "このリンクは無効です。メールに記載のリンクをご利用ください。"
    )
    expect(page.get_by_role("button", name="キャンセルする")).to_have_count(0)
    shot(page, "tampered-ja")
    page.locator("#language-switch").click()
    expect(page.get_by_role("alert")).to_have_text(
        "This link is not valid. Please use the link from your email."
    )
    page.goto(f"{app.url}/booking/reschedule/{tampered}")
    expect(page.get_by_role("alert")).to_have_text(
        "This link is not valid. Please use the link from your email."
    )
    page.goto(f"{app.url}/booking/cancel/{token}")  # the untouched link works
    expect(page.get_by_role("button", name="Yes, cancel it")).to_be_visible()


def test_booking_page_speaks_japanese_and_switches(
    app: RunningApp, browser_context: ContextFactory
) -> None:
    page = browser_context(locale="ja-JP").pages[0]
    page.goto(f"{app.url}/book/aoyama")
    expect(page.get_by_role("heading", name="ご相談の予約 · ショールーム青山")).to_be_visible()
    page.get_by_role("radio", name=re.compile("お部屋のプランニング")).click()
    expect(page.get_by_role("radio", name="リビング")).to_be_visible()
    expect(page.locator("#booking-days button[data-day]").first).to_be_visible()
    shot(page, "form-ja")
    page.locator("#language-switch").click()
    expect(
        page.get_by_role("heading", name="Book a consultation · Showroom Aoyama")
    ).to_be_visible()
    expect(page.get_by_role("radio", name="Living room")).to_be_visible()
    # The mails' "book a new time" link names the consultation type instead of the store.
    type_id = app.python(
        "from sqlalchemy import select\n"
        "from showroom.db import session_scope\n"
        "from consult.models import ConsultationType\n"
        "with session_scope() as s:\n"
        "    print(s.scalar(select(ConsultationType.id).where(ConsultationType.slug == 'room')))\n"
    )
    page.goto(f"{app.url}/book/{type_id}")
    expect(page.get_by_role("radio", name=re.compile("Room planning"))).to_be_checked()
    expect(
        page.get_by_role("heading", name="Book a consultation · Showroom Aoyama")
    ).to_be_visible()


def _book_directly(app: RunningApp, staff_name: str, start: datetime) -> None:
    """Someone else takes `start` with this member of staff while our customer fills the form."""
    app.python(
        "from datetime import datetime\n"
        "from sqlalchemy import select\n"
        "from showroom.db import session_scope\n"
        "from showroom.models import StaffMember\n"
        "from consult.booking.bookings import book\n"
        "from consult.models import ConsultationType\n"
        "with session_scope() as s:\n"
        "    kind = s.scalar(select(ConsultationType).where(ConsultationType.slug == 'quick'))\n"
        f"    staff = s.scalar(select(StaffMember.id).where(StaffMember.display_name == {staff_name!r}))\n"
        f"    book(s, kind.id, datetime.fromisoformat({start.isoformat()!r}), staff_id=staff,\n"
        "         customer_name='Other', customer_email='other@example.com')\n"
    )


def test_a_slot_taken_meanwhile_offers_the_next_free_times(app: RunningApp, page: Page) -> None:
    email = f"taro-{uuid.uuid4().hex[:8]}@example.com"
    page.goto(f"{app.url}/book/aoyama")
    page.get_by_role("radio", name=re.compile("Quick question")).click()
    page.get_by_role("radio", name=re.compile("Ken Suzuki")).click()
    _, start = pick_slot(page)
    page.get_by_label("Name").fill("Taro Sato")
    page.get_by_label("Email").fill(email)
    _book_directly(app, "鈴木 健 (Ken Suzuki)", start)

    page.get_by_role("button", name="Book this consultation").click()
    expect(page.get_by_role("alert")).to_have_text(
        "This slot was just taken. Here are the next free times."
    )
    offered = page.locator("#booking-next-slots button[data-start]")
    expect(offered.first).to_be_visible()
    assert booking_status(app, email) == ""
    shot(page, "slot-taken")
    offered.first.click()
    page.get_by_role("button", name="Book this consultation").click()
    page.wait_for_url(re.compile(r".*/booking/confirmed/[^/]+/?$"))
    expect(page.locator("#detail-staff")).to_have_text("鈴木 健 (Ken Suzuki)")
    assert booking_status(app, email) == "confirmed"


def test_ask_staff_about_a_product_in_the_tour_books_with_the_product_attached(
    app: RunningApp, page: Page
) -> None:
    email = f"ken-{uuid.uuid4().hex[:8]}@example.com"
    page.goto(f"{app.url}/tour/aoyama/living")
    page.locator("[data-testid=panorama-viewer][data-ready='true']").wait_for(timeout=30_000)
    page.get_by_text("Hinoki three-seat sofa · ¥").click()
    page.get_by_role("dialog").locator("#ask-staff").click()
    page.wait_for_url(
        re.compile(r".*/book/aoyama/?\?product=\d+&scene=living&yaw=[-.\d]+&pitch=[-.\d]+$")
    )
    expect(page.locator("#booking-product")).to_have_text("About: Hinoki three-seat sofa")
    page.get_by_role("radio", name=re.compile("Quick question")).click()
    pick_slot(page)
    page.get_by_label("Name").fill("Ken Ito")
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Book this consultation").click()
    page.wait_for_url(re.compile(r".*/booking/confirmed/[^/]+/?$"))
    product = app.python(
        "from sqlalchemy import select\n"
        "from showroom.db import session_scope\n"
        "from showroom.models import Product\n"
        "from consult.models import Booking\n"
        "with session_scope() as s:\n"
        "    b = s.scalar(select(Booking).where(Booking.customer_email == "
        f"{email!r}))\n"
        "    print(s.get(Product, b.product_id).sku, b.tour_view['scene'])\n"
    )
    assert product == "SOFA-001 living"  # the product and the tour view it was seen from


def _booking_under_way(app: RunningApp) -> tuple[str, str]:
    """A quick consultation with the supervisor that is under way or about to start (extra
    hours today make it possible); returns its (manage, join) tokens."""
    out = app.python(
        "from datetime import timedelta\n"
        "from zoneinfo import ZoneInfo\n"
        "from sqlalchemy import select\n"
        "from showroom.db import session_scope, utcnow\n"
        "from showroom.models import AvailabilityException, StaffMember\n"
        "from showroom.settings import get_settings\n"
        "from consult.booking.bookings import book, link_token\n"
        "from consult.models import ConsultationType\n"
        # On the 15-minute grid that slots follow from a working range's opening (weekly
        # hours open on the hour), under way now or starting within minutes, not yet over.
        "now = utcnow()\n"
        "start = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)\n"
        "if start + timedelta(minutes=15) - now < timedelta(minutes=3):\n"
        "    start += timedelta(minutes=15)\n"
        "local = start.astimezone(ZoneInfo('Asia/Tokyo'))\n"
        "minute = local.hour * 60 + local.minute\n"
        "with session_scope() as s:\n"
        "    kind = s.scalar(select(ConsultationType).where(ConsultationType.slug == 'quick'))\n"
        "    staff = s.scalar(select(StaffMember.id).where(StaffMember.role == 'supervisor'))\n"
        "    s.add(AvailabilityException(staff_id=staff, day=local.date(),\n"
        "                                start_minute=minute, end_minute=minute + 15))\n"
        "    s.flush()\n"
        "    b = book(s, kind.id, start, staff_id=staff, customer_name='Now',\n"
        "             customer_email='now@example.com', now=start - timedelta(hours=3))\n"
        "    key = get_settings().secret_key\n"
        "    print(link_token(key, b, 'manage'), link_token(key, b, 'join'))\n"
    )
    manage, join = out.split()
    return manage, join


def test_inside_the_minimum_notice_changes_are_refused_and_the_call_is_due(
    app: RunningApp, page: Page
) -> None:
    manage, join = _booking_under_way(app)
    too_late = "It is too close to the consultation to change it online. Please contact the store."
    for kind in ("reschedule", "cancel"):
        page.goto(f"{app.url}/booking/{kind}/{manage}")
        expect(page.locator("#too-late")).to_have_text(too_late)
        expect(page.locator("#booking-move, #booking-cancel")).to_have_count(0)
    shot(page, "too-late")
    page.goto(f"{app.url}/booking/join/{join}")
    shot(page, "join-due")
    page.locator("#join-call").click()
    page.wait_for_url(re.compile(r".*/call/[^/]+/?$"))
    expect(page.locator("#call-waiting")).to_have_text("Waiting for a member of staff…")
    page.goto(f"{app.url}/booking/join/{join}")  # joining again is the same call, not a new one
    page.locator("#join-call").click()
    page.wait_for_url(re.compile(r".*/call/[^/]+/?$"))
    calls = app.python(
        "from showroom.db import session_scope\nfrom consult.models import Consultation\n"
        "with session_scope() as s: print(s.query(Consultation).filter(Consultation.booking_id.isnot(None)).count())"
    )
    assert calls == "1"


def _booked_with_mail(app: RunningApp, staff_name: str, start: datetime, email: str) -> None:
    """Another customer books `start` with this member of staff and gets the usual mail."""
    app.python(
        "from datetime import datetime\n"
        "from sqlalchemy import select\n"
        "from showroom.db import session_scope\n"
        "from showroom.models import StaffMember\n"
        "from showroom.settings import get_settings\n"
        "from consult.booking.mail import send_booking_mail\n"
        "from consult.booking.bookings import book\n"
        "from consult.mail import mailer_from_settings\n"
        "from consult.models import ConsultationType\n"
        "settings = get_settings()\n"
        "with session_scope() as s:\n"
        "    kind = s.scalar(select(ConsultationType).where(ConsultationType.slug == 'quick'))\n"
        f"    staff = s.scalar(select(StaffMember.id).where(StaffMember.display_name == {staff_name!r}))\n"
        f"    b = book(s, kind.id, datetime.fromisoformat({start.isoformat()!r}), staff_id=staff,\n"
        f"             customer_name='Other', customer_email={email!r}, language='en')\n"
        "    s.commit()\n"
        "    send_booking_mail(s, mailer_from_settings(), b, 'confirmation',\n"
        "                      base_url=settings.public_url, key=settings.secret_key)\n"
    )


def test_a_waitlisted_customer_is_mailed_when_a_booking_that_day_is_cancelled(
    app: RunningApp, page: Page, smtp_server: SmtpSink
) -> None:
    waiting = f"yui-{uuid.uuid4().hex[:8]}@example.com"
    other = f"other-{uuid.uuid4().hex[:8]}@example.com"
    staff = "鈴木 健 (Ken Suzuki)"
    page.goto(f"{app.url}/book/aoyama")
    page.get_by_role("radio", name=re.compile("Quick question")).click()
    page.get_by_role("radio", name=re.compile("Ken Suzuki")).click()
    day, start = pick_slot(page)
    _booked_with_mail(app, staff, start, other)

    page.get_by_role(
        "button", name="None of these times suit you? Join the waitlist for a day"
    ).click()
    expect(page.get_by_role("heading", name="Join the waitlist")).to_be_visible()
    expect(page.get_by_label("Day you would like")).to_have_value(day)
    expect(page.locator("#waitlist-staff")).to_have_text(staff)
    page.get_by_label("Name").fill("Yui Mori")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_role("alert")).to_be_visible()
    shot(page, "waitlist-form-error")
    page.get_by_label("Email").fill(waiting)
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.locator("#waitlist-joined")).to_contain_text("We will email you if a time opens on")
    shot(page, "waitlist-joined")
    entries = app.python(
        "from sqlalchemy import select\n"
        "from showroom.db import session_scope\n"
        "from consult.models import WaitlistEntry\n"
        "with session_scope() as s:\n"
        "    print(s.scalars(select(WaitlistEntry.day)"
        f".where(WaitlistEntry.customer_email.in_([{waiting!r}, 'not-an-email']))).all())\n"
    )
    assert entries == f"[datetime.date({', '.join(str(int(p)) for p in day.split('-'))})]"

    [confirmation] = mail_to(smtp_server, other, 1)
    page.goto(link_in(confirmation, "cancel"))
    page.get_by_role("button", name="Yes, cancel it").click()
    expect(page.get_by_role("alert")).to_contain_text("Your consultation was cancelled")

    [opened] = mail_to(smtp_server, waiting, 1)
    assert day in str(opened["Subject"])
    body = opened.get_body(preferencelist=("plain",))
    assert body is not None
    found = re.search(r"https?://\S+/book/\d+\?day=\S+", body.get_content())
    assert found, "no booking link in the waitlist mail"
    page.goto(found.group(0))
    day_button = page.locator(f"#booking-days button[data-day='{day}']")
    expect(day_button).to_have_attribute("aria-checked", "true")
    expect(page.get_by_role("radio", name=re.compile("Quick question"))).to_be_checked()


def test_staff_cards_show_photos(app: RunningApp, page: Page) -> None:
    page.goto(f"{app.url}/book/aoyama")
    photos = page.locator("img.staff-photo, .staff-photo img")
    expect(photos).to_have_count(4)
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.staff-photo, .staff-photo img')]"
        ".every(img => img.complete && img.naturalWidth === 256)"
    )
