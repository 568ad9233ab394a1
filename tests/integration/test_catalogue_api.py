"""The POS/ERP API: authenticated, validated, idempotent, and it tells open tours at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from showroom import db, pubsub
from showroom.catalogue import TOPIC
from showroom.catalogue_api import catalogue_routes
from showroom.settings import get_settings
from tests import factories

STOCK_URL = "/api/catalogue/stores/aoyama/stock/SOFA-001"


@pytest.fixture
def app_db(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    monkeypatch.setattr(db, "_session_factory", lambda: factory)
    with Session(engine) as session:
        factories.stock(session, factories.store(session), factories.product(session), 5)
        session.commit()
    yield engine


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch) -> pubsub.LocalBroker:
    local = pubsub.LocalBroker()
    monkeypatch.setattr(pubsub, "_broker", local)
    return local


@pytest.fixture
async def client(app_db: Engine, broker: pubsub.LocalBroker) -> AsyncIterator[httpx.AsyncClient]:
    from starlette.applications import Starlette

    transport = httpx.ASGITransport(app=Starlette(routes=catalogue_routes()))
    key = get_settings().api_keys[0]
    async with httpx.AsyncClient(
        transport=transport, base_url="http://pos.test", headers={"authorization": f"Bearer {key}"}
    ) as c:
        yield c


async def test_a_stock_change_is_stored_and_published(
    client: httpx.AsyncClient, broker: pubsub.LocalBroker
) -> None:
    async with broker.subscribe(TOPIC) as changes:
        response = await client.put(STOCK_URL, json={"quantity": 2})
        assert response.status_code == 200 and response.json()["quantity"] == 2
        published = await asyncio.wait_for(changes.get(), 1)
        assert published["sku"] == "SOFA-001" and published["quantity"] == 2
        again = await client.put(STOCK_URL, json={"quantity": 2})
        assert again.status_code == 200 and again.json()["changed"] is False
        await asyncio.sleep(0.05)
        assert changes.empty()  # a retried PUT is not news


async def test_price_change(client: httpx.AsyncClient) -> None:
    response = await client.put(
        "/api/catalogue/products/SOFA-001/price", json={"price": 199000, "currency": "JPY"}
    )
    assert response.status_code == 200 and response.json()["price"] == 199000


@pytest.mark.parametrize(
    "url, body, headers, status, code",
    [
        (STOCK_URL, {"quantity": 1}, {"authorization": "Bearer wrong"}, 401, "unauthenticated"),
        (STOCK_URL, {"quantity": 1}, {"authorization": ""}, 401, "unauthenticated"),
        (STOCK_URL, {"quantity": -1}, {}, 400, "invalid_quantity"),
        (STOCK_URL, {"quantity": 1, "colour": "red"}, {}, 400, "unknown_field"),
        (STOCK_URL, [1], {}, 400, "not_object"),
        ("/api/catalogue/stores/aoyama/stock/NOPE", {"quantity": 1}, {}, 404, "unknown_sku"),
        ("/api/catalogue/stores/nowhere/stock/SOFA-001", {"quantity": 1}, {}, 404, "unknown_store"),
        (
            "/api/catalogue/products/SOFA-001/price",
            {"price": 1, "currency": "EUR"},
            {},
            400,
            "currency_mismatch",
        ),
    ],
)
async def test_bad_requests_get_clear_errors_and_change_nothing(
    client: httpx.AsyncClient,
    app_db: Engine,
    url: str,
    body: object,
    headers: dict[str, str],
    status: int,
    code: str,
) -> None:
    response = await client.put(url, json=body, headers=headers)
    assert response.status_code == status and response.json()["error"] == code
    with Session(app_db) as session:
        from showroom.models import Product, Stock

        assert session.query(Stock.quantity).scalar() == 5
        assert session.query(Product.price).scalar() == 248000


async def test_body_must_be_json(client: httpx.AsyncClient) -> None:
    response = await client.put(
        STOCK_URL,
        content=b"quantity=1",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415
    garbled = await client.put(
        STOCK_URL, content=b"{", headers={"content-type": "application/json"}
    )
    assert garbled.status_code == 400 and garbled.json()["error"] == "invalid_json"
