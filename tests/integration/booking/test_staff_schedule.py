"""Staff see their bookings in store time with the answers; their calendar feed is private."""

from __future__ import annotations

from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

import httpx
import pytest
from icalendar import Calendar
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from consult.booking import bookings
from consult.booking.staff_schedule import upcoming
from consult.media.registry import MediaRegistry
from showroom import db
from showroom.api import build_api
from showroom.settings import get_settings
from tests import factories

TOKYO = ZoneInfo("Asia/Tokyo")


def test_upcoming_bookings_in_store_time_with_translated_answers(session: Session) -> None:
    staff_id, store_id, start = factories.booking(session)
    [row] = upcoming(session, staff_id, store_id, "ja")
    assert row["when"] == f"{start:%Y-%m-%d} 15:00"
    assert row["customer"] == "Hanako Yamada" and row["product"] == "ソファ"
    assert row["answers"] == [
        {"question": "間取り図はありますか？", "lead": "間取り図はありますか？", "answer": "いいえ"}
    ]
    assert row["kind"] == "お部屋のプランニング" and row["started"] is False
    assert row["from_tour"] == "リビング"  # the scene the customer asked from
    assert upcoming(session, staff_id + 999, store_id, "ja") == []


@pytest.fixture
async def client(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    monkeypatch.setattr(db, "_session_factory", lambda: factory)
    registry = MediaRegistry([])
    transport = httpx.ASGITransport(app=build_api(registry))
    async with httpx.AsyncClient(transport=transport, base_url="http://showroom.test") as c:
        yield c
    await registry.close_all()


async def test_calendar_feed_needs_its_secret_link(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        staff_id, _store_id, start = factories.booking(session)
        token = bookings.feed_token(session, get_settings().secret_key, staff_id)
        session.commit()
    response = await client.get(f"/api/staff/calendar/{token}.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert event.decoded("dtstart") == start
    forged = await client.get(f"/api/staff/calendar/{token[:-3]}abc.ics")
    assert forged.status_code == 404 and forged.json()["error"] == "not_found"
