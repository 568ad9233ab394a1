"""Who may call which API route: every route of the app's API × every kind of caller, with
the answer expected. A route added without a row here fails `test_every_route_has_a_row`.

Callers: anonymous; a customer with the link of this call, and with the link of a call in
another store; Aiko (staff, the call is hers); Aiko after she handed the call to Ken; Ken
(staff, after the transfer the call is his); Yuki (supervisor of this store) and Sora
(supervisor of another store). "ok" means the caller got past every check (the answer may
still refuse the body, e.g. a fake SDP); a number is the exact refusal.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.routing import Mount, Route

from consult.booking.bookings import feed_token
from consult.calls.consultations import customer_link, start_walk_in
from consult.calls.presence import set_presence
from consult.calls.queue import join_as_staff
from consult.calls.transfer import transfer
from consult.media.registry import MediaRegistry
from showroom import db, pubsub
from showroom.api import build_api
from showroom.identity import log_in
from showroom.settings import get_settings
from tests import factories

CALLERS = (
    "anonymous", "customer", "other_customer", "aiko", "aiko_after_transfer", "ken",
    "yuki", "sora", "api_key",
)  # fmt: skip
OK = "ok"
REFUSED = {401, 403, 404, 410}

# route -> answer per caller (a missing caller: the same as "anonymous").
A, C, OC, AI, AT, K, Y, S, KEY = CALLERS
RTC = {A: 401, C: OK, OC: 403, AI: OK, AT: 403, K: OK, Y: 403, S: 404, KEY: 403}
CATALOGUE_READ = {**dict.fromkeys(CALLERS, 401), KEY: OK}
CATALOGUE_WRITE = {**dict.fromkeys(CALLERS, 401), KEY: OK}
STAFF_ONLY = {**dict.fromkeys(CALLERS, 401), AI: OK, AT: OK, K: OK, Y: OK, S: OK}
MATRIX: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/api/health"): dict.fromkeys(CALLERS, OK),
    ("GET", "/api/me"): STAFF_ONLY,
    ("GET", "/api/supervisor/board"): {**STAFF_ONLY, AI: 403, AT: 403, K: 403},
    ("GET", "/api/staff/calendar/{token}.ics"): {**dict.fromkeys(CALLERS, 404), AI: OK},
    ("GET", "/api/rtc/config"): dict.fromkeys(CALLERS, OK),
    ("POST", "/api/rtc/{consultation_id}/offer"): RTC,
    ("POST", "/api/rtc/{consultation_id}/status"): RTC,
    ("POST", "/api/rtc/{consultation_id}/leave"): RTC,
    ("POST", "/api/stripe/webhook"): dict.fromkeys(CALLERS, 400),  # only a signature counts
    ("GET", "/api/catalogue/openapi.json"): dict.fromkeys(CALLERS, OK),
    ("GET", "/api/catalogue/products"): CATALOGUE_READ,
    ("GET", "/api/catalogue/products/{sku}"): CATALOGUE_READ,
    ("PUT", "/api/catalogue/products/{sku}/price"): CATALOGUE_WRITE,
    ("GET", "/api/catalogue/stores/{store}/stock"): CATALOGUE_READ,
    ("GET", "/api/catalogue/stores/{store}/stock/{sku}"): CATALOGUE_READ,
    ("PUT", "/api/catalogue/stores/{store}/stock/{sku}"): CATALOGUE_WRITE,
    ("PUT", "/api/catalogue/bulk"): CATALOGUE_WRITE,
    ("POST", "/api/catalogue/import"): CATALOGUE_WRITE,
    # A wrong password, for all: back to the form with the reason (or the throttle's).
    ("POST", "/api/session/login"): dict.fromkeys(CALLERS, 303),
    ("POST", "/api/session/logout"): dict.fromkeys(CALLERS, 303),
    # Recordings play only through a link signed for one viewer (tested with signed links in
    # tests/integration/media/test_recording_api.py): unsigned, staff get 403, others 401.
    ("GET", "/api/recordings/{recording_id}/{role}.webm"): {
        **STAFF_ONLY,
        **dict.fromkeys((AI, AT, K, Y, S), 403),
    },
    ("GET", "/media/staff"): dict.fromkeys(CALLERS, OK),  # public files (photos, tiles)
    ("GET", "/media/panoramas"): dict.fromkeys(CALLERS, OK),
    ("GET", "/media/products"): dict.fromkeys(CALLERS, OK),
}
BODIES: dict[str, tuple[str, bytes]] = {
    "/api/rtc/{consultation_id}/offer": (
        "application/json", b'{"type": "offer", "sdp": "v=0\\r\\nm=audio 9 UDP/TLS/RTP/SAVPF 111\\r\\n"}'
    ),
    "/api/rtc/{consultation_id}/status": ("application/json", b"{}"),
    "/api/rtc/{consultation_id}/leave": ("application/json", b"{}"),
    "/api/stripe/webhook": ("application/json", b'{"id": "evt_1"}'),
    "/api/catalogue/products/{sku}/price": ("application/json", b'{"price": 1, "currency": "JPY"}'),
    "/api/catalogue/stores/{store}/stock/{sku}": ("application/json", b'{"quantity": 3}'),
    "/api/catalogue/bulk": (
        "application/json", b'{"updates": [{"store": "aoyama", "sku": "SOFA-001", "quantity": 2}]}'
    ),
    "/api/catalogue/import": ("text/csv", b"sku,price\\r\\nSOFA-001,1000\\r\\n"),
    "/api/session/login": (
        "application/x-www-form-urlencoded", b"email=aiko%40example.com&password=wrong-password"
    ),
}  # fmt: skip


MEDIA_FILE = "matrix-test.jpg"


@pytest.fixture
def world(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    monkeypatch.setattr(db, "_session_factory", lambda: factory)
    monkeypatch.setattr(pubsub, "_broker", pubsub.LocalBroker())
    key = get_settings().secret_key
    media = get_settings().media_dir
    for folder in (media, media / "staff", media / "products"):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / MEDIA_FILE).write_bytes(b"\xff\xd8\xff\xd9")
    with Session(engine, expire_on_commit=False) as session:
        store, elsewhere = factories.store(session), factories.store(session, "umeda")
        factories.stock(session, store, factories.product(session), 5)
        aiko = factories.staff(session, store, "aiko@example.com")
        ken = factories.staff(session, store, "ken@example.com")
        factories.staff(session, store, "yuki@example.com", role="supervisor")
        factories.staff(session, elsewhere, "sora@example.com", role="supervisor")
        call, other = start_walk_in(session, store.id), start_walk_in(session, elsewhere.id)
        join_as_staff(session, call.id, aiko.id, store.id)
        handed = start_walk_in(session, store.id)  # the call Aiko hands to Ken
        join_as_staff(session, handed.id, aiko.id, store.id)
        set_presence(session, ken.id, "available")
        session.commit()
        transfer(session, handed.id, aiko.id, ken.id, "")
        feed = feed_token(session, key, aiko.id)
        tokens = {
            name: log_in(session, f"{name}@example.com", "correct horse", hours=1)
            for name in ("aiko", "ken", "yuki", "sora")
        }
        session.commit()
        yield {
            "call": call.id,
            "handed": handed.id,
            "feed": feed,
            "headers": {
                A: {},
                C: {"authorization": f"Bearer {customer_link(key, call).token}"},
                OC: {"authorization": f"Bearer {customer_link(key, other).token}"},
                AI: {"cookie": f"showroom_session={tokens['aiko']}"},
                AT: {"cookie": f"showroom_session={tokens['aiko']}"},
                K: {"cookie": f"showroom_session={tokens['ken']}"},
                Y: {"cookie": f"showroom_session={tokens['yuki']}"},
                S: {"cookie": f"showroom_session={tokens['sora']}"},
                KEY: {"authorization": f"Bearer {get_settings().api_keys[0]}"},
            },
        }


@pytest.fixture
async def client(world: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    registry = MediaRegistry([])
    transport = httpx.ASGITransport(app=build_api(registry))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:3000") as c:
        yield c
    await registry.close_all()


def app_routes() -> set[tuple[str, str]]:
    found = set()
    for route in build_api(MediaRegistry([])).routes:
        if isinstance(route, Mount):
            found.add(("GET", route.path))
        elif isinstance(route, Route):
            for method in route.methods or ():
                if method not in ("HEAD", "OPTIONS"):
                    found.add((method, route.path.replace(":int", "")))
    return found


def test_every_route_has_a_row() -> None:
    assert app_routes() == set(MATRIX)


def concrete(path: str, caller: str, world: dict[str, Any]) -> str:
    call = world["handed"] if caller in (AT, K) else world["call"]
    feed = world["feed"] if caller == AI else "not-a-feed-token"
    if path.startswith("/media/"):
        return f"{path}/{MEDIA_FILE}"
    return (
        path.replace("{consultation_id}", str(call))
        .replace("{token}", feed)
        .replace("{sku}", "SOFA-001")
        .replace("{store}", "aoyama")
        .replace("{recording_id}", "1")
        .replace("{role}", "customer")
    )


@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[0]} {r[1]}")
async def test_each_caller_gets_the_expected_answer(
    client: httpx.AsyncClient, world: dict[str, Any], route: tuple[str, str]
) -> None:
    method, path = route
    wrong = []
    for caller in CALLERS:
        expected = MATRIX[route].get(caller, MATRIX[route][A])
        content_type, body = BODIES.get(path, ("application/json", b""))
        headers = {**world["headers"][caller], "content-type": content_type}
        if path.startswith("/api/session/"):
            headers["origin"] = "http://localhost:3000"
        answer = await client.request(
            method, concrete(path, caller, world), headers=headers, content=body or None
        )
        got = answer.status_code
        if (expected == OK and got in REFUSED) or (expected != OK and got != expected):
            wrong.append((caller, expected, got, answer.text[:120]))
    assert wrong == []
