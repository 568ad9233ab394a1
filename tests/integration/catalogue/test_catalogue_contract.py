"""Schemathesis against the catalogue API's own OpenAPI document: generated requests, valid
and invalid, must never get a 5xx, an undocumented status, an answer outside the schema, a
wrong Allow header or an answer that ignores the missing key.

Bounded (a few dozen examples per operation) so that it stays well under two minutes here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette

from showroom import db, pubsub
from showroom.catalogue import api
from showroom.catalogue.api import catalogue_routes
from showroom.settings import get_settings
from tests import factories

EXAMPLES = 30


schema = schemathesis.openapi.from_asgi(
    "/api/catalogue/openapi.json", Starlette(routes=catalogue_routes())
)


@pytest.fixture
def app_db(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The routes' database: a store with one product in stock (the document needs none)."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    monkeypatch.setattr(db, "_session_factory", lambda: factory)
    monkeypatch.setattr(pubsub, "_broker", pubsub.LocalBroker())
    with Session(engine) as session:
        factories.stock(session, factories.store(session), factories.product(session), 5)
        session.commit()
    yield engine


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_the_api_keeps_its_contract(case: Any, app_db: Engine) -> None:
    api._answers.clear()  # each example on its own: a key reused across examples is a 422
    case.call_and_validate(
        headers={"Authorization": f"Bearer {get_settings().api_keys[0]}"},
        # Every check but "schema-valid data is accepted": a well-formed update for a store or
        # SKU that does not exist, or an empty CSV, is rightly a documented 404/422.
        excluded_checks=[positive_data_acceptance],
    )
