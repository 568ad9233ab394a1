"""Every JSON route reads at most its limit and refuses deep documents as JSON 400s.

The body is streamed from a generator that counts what the server pulled: a 200 MiB body (with
or without a Content-Length) must be refused having read no more than the limit plus a chunk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from consult.calls.consultations import customer_link, start_walk_in
from consult.media.registry import MediaRegistry
from showroom import db, pubsub
from showroom.api import build_api
from showroom.settings import get_settings
from tests import factories

MIB = 1024 * 1024
DEEP = b"[" * 30_000 + b"]" * 30_000


@pytest.fixture
def call_link(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, str]]:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    monkeypatch.setattr(db, "_session_factory", lambda: factory)
    monkeypatch.setattr(pubsub, "_broker", pubsub.LocalBroker())
    with Session(engine, expire_on_commit=False) as session:
        store = factories.store(session)
        factories.stock(session, store, factories.product(session), 5)
        call = start_walk_in(session, store.id)
        session.commit()
        yield call.id, customer_link(get_settings().secret_key, call).token


@pytest.fixture
async def client(call_link: tuple[int, str]) -> AsyncIterator[httpx.AsyncClient]:
    registry = MediaRegistry([])
    transport = httpx.ASGITransport(app=build_api(registry))
    async with httpx.AsyncClient(transport=transport, base_url="http://showroom.test") as c:
        yield c
    await registry.close_all()


class CountingBody:
    """An endless-looking body of `total` bytes; `sent` is how much the server pulled."""

    def __init__(self, total: int, chunk: int = MIB) -> None:
        self.total, self.chunk, self.sent = total, chunk, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.sent < self.total:
            self.sent += self.chunk
            yield b" " * self.chunk


def routes(call_id: int, link: str) -> list[tuple[str, str, dict[str, str], int]]:
    """(method, path, headers, limit) of every JSON route, each with valid credentials."""
    key = {"authorization": f"Bearer {get_settings().api_keys[0]}"}
    json_type = {"content-type": "application/json"}
    return [
        ("POST", f"/api/rtc/{call_id}/offer", {**json_type, "authorization": f"Bearer {link}"},
         68 * 1024),
        ("POST", f"/api/rtc/{call_id}/status", {**json_type, "authorization": f"Bearer {link}"},
         68 * 1024),
        ("PUT", "/api/catalogue/stores/aoyama/stock/SOFA-001", {**json_type, **key}, 4096),
        ("PUT", "/api/catalogue/stores/aoyama/stock/SOFA-001",
         {**json_type, **key, "idempotency-key": "k-1"}, 4096),
        ("PUT", "/api/catalogue/products/SOFA-001/price", {**json_type, **key}, 4096),
        ("PUT", "/api/catalogue/bulk", {**json_type, **key, "idempotency-key": "k-2"}, 256 * 1024),
        ("POST", "/api/stripe/webhook", {**json_type, "stripe-signature": "t=1,v1=x"}, 512 * 1024),
    ]  # fmt: skip


@pytest.fixture
def json_routes(call_link: tuple[int, str]) -> list[tuple[str, str, dict[str, str], int]]:
    return routes(*call_link)


async def test_a_huge_streamed_body_is_refused_after_the_limit(
    client: httpx.AsyncClient, json_routes: list[tuple[str, str, dict[str, str], int]]
) -> None:
    for method, path, headers, limit in json_routes:
        body = CountingBody(200 * MIB)
        response = await client.request(method, path, headers=headers, content=body)
        assert response.status_code == 413, (path, response.text)
        assert response.json()["error"] in ("body_too_large", "too_large"), path
        assert body.sent <= limit + MIB, (path, body.sent)


async def test_a_declared_huge_body_is_refused_before_reading(
    client: httpx.AsyncClient, json_routes: list[tuple[str, str, dict[str, str], int]]
) -> None:
    for method, path, headers, _limit in json_routes:
        body = CountingBody(200 * MIB)
        declared = {**headers, "content-length": str(200 * MIB)}
        response = await client.request(method, path, headers=declared, content=body)
        assert response.status_code == 413, (path, response.text)
        assert body.sent == 0, path


async def test_deeply_nested_json_is_a_documented_400(
    client: httpx.AsyncClient, json_routes: list[tuple[str, str, dict[str, str], int]]
) -> None:
    for method, path, headers, limit in json_routes:
        levels = min(30_000, limit // 2 - 1)
        body = b"[" * levels + b"]" * levels
        response = await client.request(method, path, headers=headers, content=body)
        assert response.status_code == 400, (path, response.text)
        answer = response.json()
        assert set(answer) >= {"error", "message"}, path
        assert answer["error"] in ("too_deep", "malformed_payload"), (path, answer)


async def test_an_anonymous_caller_is_refused_before_the_body_is_read(
    client: httpx.AsyncClient, json_routes: list[tuple[str, str, dict[str, str], int]]
) -> None:
    for method, path, headers, _limit in json_routes:
        if "stripe" in path:
            continue  # the webhook's caller is known only by its signature over the body
        anonymous = {k: v for k, v in headers.items() if k != "authorization"}
        body = CountingBody(200 * MIB)
        response = await client.request(method, path, headers=anonymous, content=body)
        assert response.status_code == 401, (path, response.text)
        assert body.sent == 0, path


async def test_a_normal_body_still_works(client: httpx.AsyncClient) -> None:
    key = {"authorization": f"Bearer {get_settings().api_keys[0]}", "idempotency-key": "same"}
    first = await client.put(
        "/api/catalogue/stores/aoyama/stock/SOFA-001", json={"quantity": 3}, headers=key
    )
    again = await client.put(
        "/api/catalogue/stores/aoyama/stock/SOFA-001", json={"quantity": 3}, headers=key
    )
    assert first.status_code == again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
