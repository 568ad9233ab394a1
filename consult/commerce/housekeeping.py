"""Commerce work that runs beside the app: what a committed change must tell others, expired
payment requests giving their stock back, and receipts still owed.

`after_commit` is what the webhook route and the pages call once their transaction committed.
`commerce_housekeeping` is a lifespan task; with several workers each runs it, and every step
is claimed in the database first (expiry by a conditional update, receipts by their claim).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from consult.commerce import effects as commerce_effects
from consult.commerce.effects import AfterCommit, take_effects
from consult.commerce.receipts import send_receipt, unsent_receipts
from consult.commerce.stock import expire_requests, stock_changes
from consult.mail import mailer_from_settings
from showroom.db import session_scope
from showroom.settings import get_settings

log = logging.getLogger(__name__)
INTERVAL_S = 20.0


def _send_receipt(order_id: int) -> bool:
    settings = get_settings()
    return send_receipt(
        session_scope,
        order_id,
        mailer_from_settings(),
        base_url=settings.public_url,
        key=settings.secret_key,
    )


async def after_commit(effects: AfterCommit) -> None:
    """Tell call pages and tours, then mail owed receipts (off the event loop)."""
    await commerce_effects.publish(effects)
    for order_id in sorted(effects.receipts):
        await asyncio.to_thread(_send_receipt, order_id)


def _expire() -> AfterCommit:
    with session_scope() as session:
        touched = expire_requests(session)
        effects = take_effects(session)
        effects.stock += stock_changes(session, touched)
    return effects


def _owed() -> list[int]:
    with session_scope() as session:
        return unsent_receipts(session)


async def expire_due() -> None:
    """Expire requests whose hold time has passed, now (a customer pressed "pay" too late)."""
    await commerce_effects.publish(await asyncio.to_thread(_expire))


async def one_round() -> None:
    await expire_due()
    for order_id in await asyncio.to_thread(_owed):
        await asyncio.to_thread(_send_receipt, order_id)


async def _loop(interval: float) -> None:
    while True:
        try:
            await one_round()
        except Exception:  # a bad round must not stop the next one
            log.exception("commerce housekeeping round failed")
        await asyncio.sleep(interval)


@asynccontextmanager
async def commerce_housekeeping(interval: float = INTERVAL_S) -> AsyncIterator[None]:
    """A lifespan task: expiry and owed receipts every `interval` seconds while the app runs."""
    task = asyncio.create_task(_loop(interval))
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
