"""Alembic environment: the URL comes from the app's settings (DATABASE_URL) unless given."""

from alembic import context

from showroom.db import make_engine
from showroom.schema import metadata
from showroom.settings import get_settings

config = context.config


def run_migrations() -> None:
    url = config.attributes.get("url") or get_settings().database_url
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
