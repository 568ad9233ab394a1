"""Shared fixtures: a fresh migrated database per test, on SQLite and (when set) PostgreSQL."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# Tests never touch the developer's data dir, and Chromium/Playwright write their temp files here.
_TMP = Path(tempfile.mkdtemp(prefix="showroom-tests-"))
os.environ.setdefault("SHOWROOM_DATA_DIR", str(_TMP / "data"))
os.environ.setdefault("SHOWROOM_MEDIA_DIR", str(_TMP / "media"))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_TMP / 'default.db'}")

from sqlalchemy import Engine, create_engine, text  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from showroom import db  # noqa: E402
from showroom.db import make_engine  # noqa: E402
from showroom.migrate import upgrade  # noqa: E402
from showroom.schema import metadata  # noqa: E402

pytest_plugins = ["tests.fixtures.servers"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """End-to-end tests last: sync Playwright keeps an event loop running until the session
    ends, which async tests after it cannot share. Of those, the ones that rebuild the shared
    front end (`.web`) go at the very end: the session's app serves that build."""
    items.sort(
        key=lambda item: (
            "tests/e2e/" in item.nodeid,
            item.get_closest_marker("rebuilds_front_end") is not None,
        )
    )


POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")
DATABASES = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test session."""
    name = f"showroom_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test gets a copy (much faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def migrated_postgres(postgres_database: str) -> str:
    upgrade(postgres_database)
    return postgres_database


@pytest.fixture(params=DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: a copy of the SQLite template, or PostgreSQL truncated."""
    if request.param == "sqlite":
        target = tmp_path / "test.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("migrated_postgres")
    engine = create_engine(url)
    with engine.begin() as conn:  # DELETE beats TRUNCATE on nearly empty tables
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    engine.dispose()
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def app_db(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """Point the app's own sessions (`showroom.db.session_scope`) at this test's database."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    monkeypatch.setattr(db, "_session_factory", lambda: factory)
    yield engine


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session
