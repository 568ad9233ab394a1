"""Sends due booking reminders in the background, once a minute, for as long as the app runs.

Each reminder is claimed in the database before it is sent, so a restart never repeats one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from consult.booking.mail import send_due_reminders
from consult.mail import mailer_from_settings
from showroom.db import session_scope
from showroom.settings import get_settings

log = logging.getLogger(__name__)
INTERVAL_S = 60.0


def send_now() -> int:
    settings = get_settings()
    with session_scope() as session:
        return send_due_reminders(
            session, mailer_from_settings(), base_url=settings.public_url, key=settings.secret_key
        )


async def _loop(interval: float) -> None:
    while True:
        try:
            sent = await asyncio.to_thread(send_now)  # SMTP and the database block
            if sent:
                log.info("sent %d booking reminder(s)", sent)
        except Exception:  # a bad round must not stop reminders for good
            log.exception("reminder round failed")
        await asyncio.sleep(interval)


@asynccontextmanager
async def reminders(interval: float = INTERVAL_S) -> AsyncIterator[None]:
    """A lifespan task: starts the reminder loop with the app and stops it on shutdown."""
    task = asyncio.create_task(_loop(interval))
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
