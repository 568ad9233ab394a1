"""Bring a database to the newest schema with Alembic (the only way tables are created)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from showroom.settings import ROOT, get_settings


def alembic_config(url: str | None = None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["url"] = url or get_settings().database_url
    return config


def upgrade(url: str | None = None) -> None:
    command.upgrade(alembic_config(url), "head")


if __name__ == "__main__":
    upgrade()
