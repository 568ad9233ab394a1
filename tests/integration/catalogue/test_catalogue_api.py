"""The POS/ERP API: authenticated, validated, idempotent, and it tells open tours at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from showroom import db, pubsub
from showroom.catalogue.api import catalogue_routes
from showroom.catalogue.products import TOPIC
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


# Reading, bulk updates, CSV import, idempotency keys, the OpenAPI document --------------------

BULK_URL = "/api/catalogue/bulk"


async def test_products_and_stock_can_be_read(client: httpx.AsyncClient) -> None:
    products = (await client.get("/api/catalogue/products")).json()["products"]
    assert [(p["sku"], p["price"], p["stock"]) for p in products] == [
        ("SOFA-001", 248000, {"aoyama": 5})
    ]
    one = await client.get("/api/catalogue/products/SOFA-001")
    assert one.status_code == 200 and one.json()["name_ja"] == "ソファ"
    stock = await client.get("/api/catalogue/stores/aoyama/stock")
    assert stock.json() == {"store": "aoyama", "stock": {"SOFA-001": 5}}
    single = await client.get(STOCK_URL)
    assert single.json() == {"store": "aoyama", "sku": "SOFA-001", "quantity": 5}


@pytest.mark.parametrize(
    "url, status, code",
    [
        ("/api/catalogue/products/NOPE", 404, "unknown_sku"),
        ("/api/catalogue/stores/nowhere/stock", 404, "unknown_store"),
        ("/api/catalogue/stores/aoyama/stock/NOPE", 404, "unknown_sku"),
        ("/api/catalogue/stores/nowhere/stock/SOFA-001", 404, "unknown_store"),
    ],
)
async def test_reading_the_unknown_is_a_404(
    client: httpx.AsyncClient, url: str, status: int, code: str
) -> None:
    response = await client.get(url)
    assert response.status_code == status and response.json()["error"] == code


@pytest.mark.parametrize(
    "url",
    [
        "/api/catalogue/products",
        "/api/catalogue/products/SOFA-001",
        "/api/catalogue/stores/aoyama/stock",
        STOCK_URL,
    ],
)
async def test_reading_needs_the_key(client: httpx.AsyncClient, url: str) -> None:
    response = await client.get(url, headers={"authorization": "Bearer nope"})
    assert response.status_code == 401 and response.json()["error"] == "unauthenticated"


async def test_a_bulk_update_stores_all_and_tells_open_tours(
    client: httpx.AsyncClient, broker: pubsub.LocalBroker, app_db: Engine
) -> None:
    body = {
        "updates": [
            {"store": "aoyama", "sku": "SOFA-001", "quantity": 1},
            {"sku": "SOFA-001", "price": 199000, "currency": "JPY"},
        ]
    }
    async with broker.subscribe(TOPIC) as changes:
        response = await client.put(BULK_URL, json=body)
        assert response.status_code == 200
        assert [c["changed"] for c in response.json()["changes"]] == [True, True]
        assert (await asyncio.wait_for(changes.get(), 1))["quantity"] == 1
        assert (await asyncio.wait_for(changes.get(), 1))["price"] == 199000
    again = await client.put(BULK_URL, json=body)
    assert [c["changed"] for c in again.json()["changes"]] == [False, False]


@pytest.mark.parametrize(
    "updates, problems",
    [
        ([{"store": "aoyama", "sku": "SOFA-001", "quantity": -1}], [(0, "invalid_quantity")]),
        ([{"store": "aoyama", "sku": "NOPE", "quantity": 1}], [(0, "unknown_sku")]),
        ([{"store": "x", "sku": "SOFA-001", "quantity": 1}], [(0, "unknown_store")]),
        ([{"sku": "SOFA-001", "price": 1, "currency": "USD"}], [(0, "currency_mismatch")]),
        ([{"sku": "SOFA-001", "price": "1", "currency": "JPY"}], [(0, "invalid_price")]),
        ([{"sku": "SOFA-001", "colour": "red"}], [(0, "no_change")]),
        ([{"sku": "SOFA-001", "quantity": 1, "store": "aoyama", "x": 1}], [(0, "unknown_field")]),
        ([7], [(0, "not_object")]),
        (
            [
                {"store": "aoyama", "sku": "SOFA-001", "quantity": 1},  # good, but not stored
                {"sku": "SOFA-001", "price": 9, "currency": "JPY"},  # good, but not stored
                {"store": "aoyama", "sku": "NOPE", "quantity": 1},
            ],
            [(2, "unknown_sku")],
        ),
    ],
)
async def test_a_bulk_update_with_a_bad_item_stores_nothing(
    client: httpx.AsyncClient,
    broker: pubsub.LocalBroker,
    app_db: Engine,
    updates: list[object],
    problems: list[tuple[int, str]],
) -> None:
    async with broker.subscribe(TOPIC) as changes:
        response = await client.put(BULK_URL, json={"updates": updates})
        assert response.status_code == 422 and response.json()["error"] == "invalid_updates"
        assert [(p["index"], p["error"]) for p in response.json()["problems"]] == problems
        await asyncio.sleep(0.05)
        assert changes.empty()
    _assert_untouched(app_db)


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"updates": []}, 400, "invalid_updates"),
        ({"updates": {"sku": "SOFA-001"}}, 400, "invalid_updates"),
        ({"changes": []}, 400, "unknown_field"),
        (
            {"updates": [{"store": "aoyama", "sku": "SOFA-001", "quantity": 1}] * 1001},
            422,  # the schema's maxItems: a request the schema refuses, not a body too large
            "too_many_updates",
        ),
        (
            {"updates": [{"store": "aoyama", "sku": "S" * 300_000, "quantity": 1}]},
            413,
            "body_too_large",
        ),
    ],
)
async def test_a_malformed_bulk_update_is_refused(
    client: httpx.AsyncClient, app_db: Engine, body: object, status: int, code: str
) -> None:
    response = await client.put(BULK_URL, json=body)
    assert response.status_code == status and response.json()["error"] == code
    _assert_untouched(app_db)


async def test_writes_need_the_key_and_json(client: httpx.AsyncClient, app_db: Engine) -> None:
    body = {"updates": [{"store": "aoyama", "sku": "SOFA-001", "quantity": 1}]}
    denied = await client.put(BULK_URL, json=body, headers={"authorization": "Bearer x"})
    assert denied.status_code == 401
    as_form = await client.put(
        BULK_URL, content=b"updates=1", headers={"content-type": "text/plain"}
    )
    assert as_form.status_code == 415 and as_form.json()["error"] == "unsupported_media_type"
    big = await client.put(STOCK_URL, json={"quantity": 1, "pad": "x" * 5000})
    assert big.status_code == 413 and big.json()["error"] == "body_too_large"
    _assert_untouched(app_db)


async def test_a_retry_with_the_same_idempotency_key_gets_the_first_answer(
    client: httpx.AsyncClient,
) -> None:
    headers = {"idempotency-key": "pos-42-" + str(id(client))}
    first = await client.put(STOCK_URL, json={"quantity": 3}, headers=headers)
    retry = await client.put(STOCK_URL, json={"quantity": 3}, headers=headers)
    assert first.json()["changed"] is True and retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    other = await client.put(STOCK_URL, json={"quantity": 4}, headers=headers)
    assert other.status_code == 422 and other.json()["error"] == "idempotency_key_reused"
    long_key = await client.put(
        STOCK_URL, json={"quantity": 4}, headers={"idempotency-key": "k" * 256}
    )
    assert long_key.status_code == 400 and long_key.json()["error"] == "invalid_idempotency_key"
    plain = await client.put(STOCK_URL, json={"quantity": 3})
    assert plain.json()["changed"] is False  # without a key: idempotent by nature


async def test_a_csv_file_can_be_imported(
    client: httpx.AsyncClient, broker: pubsub.LocalBroker
) -> None:
    csv_text = 'sku,price,stock_aoyama\r\nSOFA-001,"199,000",2\r\nNOPE-1,100,1\r\n'
    async with broker.subscribe(TOPIC) as changes:
        response = await client.post(
            "/api/catalogue/import",
            content=("\ufeff" + csv_text).encode(),
            headers={"content-type": "text/csv; charset=utf-8"},
        )
        assert response.status_code == 200
        report = response.json()
        assert (report["updated"], report["created"]) == (1, 0)
        assert [(r["row"], r["code"]) for r in report["rejected"]] == [(3, "missing_name_en")]
        assert {(await asyncio.wait_for(changes.get(), 1))["sku"] for _ in range(2)} == {"SOFA-001"}


@pytest.mark.parametrize(
    "content, content_type, status, code",
    [
        (b"sku,colour\r\n", "text/csv", 422, "unknown_column"),
        (b"", "text/csv", 422, "empty"),
        (b"sku\r\n" + b"A" * (3 * 1024 * 1024), "text/csv", 413, "body_too_large"),
        (b"sku\r\nSOFA-001\r\n", "application/json", 415, "unsupported_media_type"),
    ],
)
async def test_a_refused_csv_file_stores_nothing(
    client: httpx.AsyncClient,
    app_db: Engine,
    content: bytes,
    content_type: str,
    status: int,
    code: str,
) -> None:
    response = await client.post(
        "/api/catalogue/import", content=content, headers={"content-type": content_type}
    )
    assert response.status_code == status and response.json()["error"] == code
    _assert_untouched(app_db)


def _assert_untouched(engine: Engine) -> None:
    from showroom.models import Product, Stock

    with Session(engine) as session:
        assert session.query(Stock.quantity).scalar() == 5
        assert session.query(Product.price).scalar() == 248000


async def test_the_openapi_document_is_valid_and_matches_the_routes(
    client: httpx.AsyncClient,
) -> None:
    from openapi_spec_validator import validate

    response = await client.get("/api/catalogue/openapi.json", headers={"authorization": ""})
    assert response.status_code == 200
    document = response.json()
    validate(document)  # raises on any structural error; OpenAPI 3.1 detected from the doc
    assert document["openapi"].startswith("3.1")
    in_schema = {
        (path, method.upper())
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "put", "post", "patch", "delete"}
    }
    in_app = {
        (route.path, method)
        for route in catalogue_routes()
        for method in (route.methods or set()) - {"HEAD", "OPTIONS"}  # answered for any path
    }
    assert in_schema == in_app


async def test_options_and_405_name_every_method_of_a_path(client: httpx.AsyncClient) -> None:
    options = await client.options(STOCK_URL)
    assert options.status_code == 204
    assert options.headers["allow"] == "GET, HEAD, OPTIONS, PUT"
    price = await client.options("/api/catalogue/products/SOFA-001/price")
    assert (price.status_code, price.headers["allow"]) == (204, "OPTIONS, PUT")
    wrong = await client.delete(STOCK_URL)
    assert wrong.status_code == 405
    assert set(wrong.headers["allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "PUT"}


async def test_a_whole_number_written_with_a_point_is_a_whole_number(
    client: httpx.AsyncClient,
) -> None:
    """The schema says "integer", and JSON Schema counts 259046.0 as one."""
    answer = await client.put(
        "/api/catalogue/products/SOFA-001/price", json={"price": 259046.0, "currency": "JPY"}
    )
    assert answer.status_code == 200 and answer.json()["price"] == 259046
    half = await client.put(
        "/api/catalogue/products/SOFA-001/price", json={"price": 259046.5, "currency": "JPY"}
    )
    assert (half.status_code, half.json()["error"]) == (400, "invalid_price")


async def test_a_sku_with_a_line_break_is_a_json_404(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/catalogue/products/a%0Ab")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["error"] == "unknown_sku"
