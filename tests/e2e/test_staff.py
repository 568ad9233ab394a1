"""Staff: their bookings with the customer's answers, and their weekly hours."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, RunningApp, log_in

BOOK_FOR_MIA = """
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo
from sqlalchemy import select
from consult.booking import bookings
from consult.models import ConsultationType, Question
from showroom.db import session_scope
from showroom.models import StaffMember
tokyo = ZoneInfo("Asia/Tokyo")
day = datetime.now(tokyo) + timedelta(days=3)
while day.weekday() == 6:  # the demo staff work Monday to Saturday
    day += timedelta(days=1)
start = day.replace(hour=15, minute=0, second=0, microsecond=0).astimezone(UTC)
with session_scope() as s:
    mia = s.scalar(select(StaffMember).where(StaffMember.email == "mia@showroom.example"))
    kind = s.scalar(select(ConsultationType).where(ConsultationType.slug == "room"))
    q = {x.position: x.id for x in s.scalars(select(Question).where(Question.consultation_type_id == kind.id))}
    bookings.book(s, kind.id, start, staff_id=mia.id, customer_name="Hanako Yamada",
                  customer_email="hanako@example.com",
                  answers={str(q[0]): "dining", str(q[1]): "no", str(q[2]): "18"})
print(start.astimezone(tokyo).strftime("%Y-%m-%d %H:%M"))
"""


def test_staff_see_their_bookings_and_set_their_hours(app: RunningApp, page: Page) -> None:
    when = app.python(BOOK_FOR_MIA)
    log_in(page, app, "mia@showroom.example")
    page.wait_for_url(re.compile(r".*/staff/?$"))
    booking = (
        page.locator("#staff-bookings")
        .get_by_text(when)
        .locator("xpath=ancestor::div[contains(@class,'rt-Card')]")
    )
    expect(booking.get_by_text("Hanako Yamada · hanako@example.com")).to_be_visible()
    expect(booking.get_by_text("Do you have a floor plan? No")).to_be_visible()
    expect(booking.get_by_text("Which room are you furnishing? Dining room")).to_be_visible()
    expect(page.locator("#calendar-feed")).to_contain_text("/api/staff/calendar/")

    monday = page.get_by_label("Monday")
    expect(monday).to_have_value("10:00-13:00, 14:00-19:00")
    monday.fill("10:00-13:00, 12:00-18:00")
    page.locator("#save-hours").click()
    expect(page.get_by_role("alert")).to_have_text("Two ranges overlap.")
    monday.fill("11:00-18:00")
    page.locator("#day-6").fill("12:00-16:00")
    page.locator("#save-hours").click()
    expect(page.locator("#hours-saved")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "staff-page.png", full_page=True)

    page.reload()
    expect(page.locator("#day-0")).to_have_value("11:00-18:00")
    expect(page.locator("#day-6")).to_have_value("12:00-16:00")


def test_staff_set_a_day_off_and_other_hours_on_a_date(app: RunningApp, page: Page) -> None:
    from datetime import date, timedelta

    log_in(page, app, "ken@showroom.example")
    page.wait_for_url(re.compile(r".*/staff/?$"))
    expect(page.get_by_text("No dates with other hours.")).to_be_visible()
    day = (date.today() + timedelta(days=10)).isoformat()

    page.locator("#special-day").fill((date.today() - timedelta(days=2)).isoformat())
    page.locator("#save-date").click()
    expect(page.get_by_role("alert")).to_have_text("Choose today or a later date.")

    page.locator("#special-day").fill(day)
    page.locator("#save-date").click()
    row = page.locator("#special-dates").get_by_text(day).locator("xpath=..")
    expect(row).to_contain_text("Day off")
    page.locator("#special-day").fill(day)
    page.locator("#special-hours").fill("12:00-15:00")
    page.locator("#save-date").click()
    expect(row).to_contain_text("12:00-15:00")
    page.screenshot(path=ARTIFACTS / "staff-dates.png", full_page=True)
    row.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("No dates with other hours.")).to_be_visible()


def test_a_booked_call_starts_from_the_staff_page_with_the_customers_answers(
    app: RunningApp, page: Page
) -> None:
    app.python(BOOK_FOR_MIA.replace("days=3", "days=5"))
    # Bring the booking forward to start in five minutes (booking rules need more notice).
    booking_id = app.python(
        "from datetime import timedelta\nfrom sqlalchemy import select\nimport showroom.schema\n"
        "from showroom.db import session_scope, utcnow\nfrom consult.models import Booking\n"
        "with session_scope() as s:\n"
        "    b = s.scalars(select(Booking).order_by(Booking.id.desc())).first()\n"
        "    b.starts_at = utcnow() + timedelta(minutes=5)\n"
        "    b.ends_at = b.starts_at + timedelta(minutes=30)\n"
        "    print(b.id)"
    )
    log_in(page, app, "mia@showroom.example")
    page.wait_for_url(re.compile(r".*/staff/?$"))
    start = page.locator(".start-call")
    expect(start).to_have_count(1, timeout=15_000)
    start.click()
    page.wait_for_url(re.compile(r".*/staff/call/\d+/?$"))
    context = page.locator("#customer-context")
    expect(context).to_contain_text("Hanako Yamada", timeout=15_000)
    expect(context).to_contain_text("hanako@example.com")
    expect(context.get_by_text("Do you have a floor plan? No")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "staff-booked-call.png", full_page=True)
    stored = app.python(
        "import showroom.schema\nfrom showroom.db import session_scope\n"
        "from consult.models import Consultation\nfrom sqlalchemy import select\n"
        "with session_scope() as s: c = s.scalar(select(Consultation)"
        f".where(Consultation.booking_id == {booking_id})); print(c.status)"
    )
    assert stored == "active"
