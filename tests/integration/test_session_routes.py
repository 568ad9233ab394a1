"""Logging in and out through the server: an HttpOnly, SameSite=Strict cookie, throttled
guessing, no foreign origins, no open redirects."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from consult.media.registry import MediaRegistry
from showroom import db, settings
from showroom.api import build_api
from showroom.models import StaffSession
from tests import factories

FORM = {"content-type": "application/x-www-form-urlencoded"}
JSON = {**FORM, "accept": "application/json", "accept-language": "en"}
GOOD = {"email": "yuki@example.com", "password": "correct horse"}
BAD = {"email": "yuki@example.com", "password": "wrong horse!"}


@pytest.fixture
def app_db(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    monkeypatch.setattr(db, "_session_factory", lambda: factory)
    with Session(engine) as session:
        store = factories.store(session)
        factories.staff(session, store, "yuki@example.com", role="supervisor")
        factories.staff(session, store, "aiko@example.com")
        session.commit()
    yield engine


@pytest.fixture
async def client(app_db: Engine) -> AsyncIterator[httpx.AsyncClient]:
    registry = MediaRegistry([])
    transport = httpx.ASGITransport(app=build_api(registry), client=("198.51.100.9", 4711))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:3000") as c:
        yield c
    await registry.close_all()


async def test_a_login_sets_an_httponly_strict_cookie_and_goes_on(
    client: httpx.AsyncClient, app_db: Engine
) -> None:
    answer = await client.post("/api/session/login", data={**GOOD, "next": "/admin"}, headers=FORM)
    assert answer.status_code == 303 and answer.headers["location"] == "/admin"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("showroom_session=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # the public URL here is plain http
    me = await client.get("/api/me")  # the cookie jar sends it back
    assert me.json()["role"] == "supervisor"

    out = await client.post("/api/session/logout", headers={"origin": "http://localhost:3000"})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert (await client.get("/api/me")).status_code == 401
    with Session(app_db) as session:
        assert session.scalars(select(StaffSession)).all() == []


async def test_behind_https_the_cookie_is_secure(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = settings.get_settings()
    monkeypatch.setattr(
        "showroom.session_routes.get_settings",
        lambda: type(real)(**{**real.__dict__, "public_url": "https://shop.example.com"}),
    )
    answer = await client.post("/api/session/login", data=GOOD, headers=FORM)
    assert "Secure" in answer.headers["set-cookie"]


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
async def test_next_cannot_leave_the_site(client: httpx.AsyncClient, target: str) -> None:
    answer = await client.post("/api/session/login", data={**GOOD, "next": target}, headers=FORM)
    assert answer.headers["location"] == "/supervisor"


async def test_wrong_passwords_are_throttled_after_five(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    statuses = []
    for _ in range(7):
        answer = await client.post("/api/session/login", data=BAD, headers=JSON)
        statuses.append(answer.status_code)
    assert statuses[:6] == [401] * 6  # the 6th failure sets a 2 s lock
    assert statuses[6] == 429
    assert answer.json()["error"] == "throttled"
    assert int(answer.headers["retry-after"]) == 2
    assert "2 seconds" in answer.json()["message"]
    failures = [r.getMessage() for r in caplog.records if r.name == "showroom.session_routes"]
    assert failures.count("failed login for y***@example.com from 198.51.100.9") == 6
    assert failures[-1] == "login throttled for y***@example.com from 198.51.100.9 (2 s)"
    assert "wrong horse" not in caplog.text
    # While locked even the right password is not checked; the page is told in Japanese.
    locked = await client.post(
        "/api/session/login", data=GOOD, headers={**FORM, "accept-language": "ja"}
    )
    assert locked.status_code == 303
    assert locked.headers["location"].startswith("/login?error=throttled&wait=2")


async def test_a_wrong_password_goes_back_to_the_form_with_the_reason(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.post("/api/session/login", data={**BAD, "next": "/x"}, headers=FORM)
    assert answer.headers["location"] == "/login?error=invalid_credentials&next=%2Fx"
    empty = await client.post("/api/session/login", data={"email": "a@b.c"}, headers=FORM)
    assert empty.headers["location"].startswith("/login?error=missing_fields")


async def test_foreign_origins_and_bad_bodies_are_refused(client: httpx.AsyncClient) -> None:
    foreign = await client.post(
        "/api/session/login", data=GOOD, headers={**FORM, "origin": "http://localhost:3001"}
    )
    assert foreign.status_code == 403 and "set-cookie" not in foreign.headers
    assert (await client.post("/api/session/login", json=GOOD)).status_code == 415
    huge = await client.post("/api/session/login", content=b"email=" + b"a" * 10_000, headers=FORM)
    assert huge.status_code == 413
    logout = await client.post("/api/session/logout", headers={"origin": "http://evil.test"})
    assert logout.status_code == 403


async def test_forwarded_addresses_count_only_behind_trusted_proxies(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    spoofed = {**JSON, "x-forwarded-for": "203.0.113.5, 10.0.0.2"}
    await client.post("/api/session/login", data=BAD, headers=spoofed)
    monkeypatch.setenv("SHOWROOM_TRUSTED_PROXY_HOPS", "1")
    await client.post("/api/session/login", data=BAD, headers=spoofed)
    monkeypatch.setenv("SHOWROOM_TRUSTED_PROXY_HOPS", "2")
    await client.post("/api/session/login", data=BAD, headers=spoofed)
    seen = [r.getMessage().rsplit(" ", 1)[-1] for r in caplog.records if "failed" in r.msg]
    assert seen == ["198.51.100.9", "10.0.0.2", "203.0.113.5"]  # peer, then the proxies' view
