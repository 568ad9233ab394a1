"""What a commerce change must tell the world once it is committed, never before.

Domain functions note their effects on the session (`after_commit(session)`): which calls'
payment cards changed, which stock is now different, which orders owe a receipt. The caller
reads them before the session closes and runs them after the commit (`publish`, `send_receipts`).
A rolled-back change has told nobody anything.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from consult.calls.consultations import chat_topic
from showroom.catalogue.products import CatalogueChange
from showroom.catalogue.products import publish as publish_catalogue
from showroom.pubsub import get_broker

log = logging.getLogger(__name__)

_KEY = "commerce_after_commit"
ORDER_CHANGED = "order"  # the chat topic's item kind: reload the call's payment cards


@dataclass
class AfterCommit:
    calls: set[int] = field(default_factory=set)
    stock: list[CatalogueChange] = field(default_factory=list)
    receipts: set[int] = field(default_factory=set)


def after_commit(session: Session) -> AfterCommit:
    effects = session.info.get(_KEY)
    if not isinstance(effects, AfterCommit):
        effects = session.info[_KEY] = AfterCommit()
    return effects


def take_effects(session: Session) -> AfterCommit:
    """The effects noted so far (and forget them): call before the session closes."""
    effects = session.info.pop(_KEY, None)
    return effects if isinstance(effects, AfterCommit) else AfterCommit()


async def publish(effects: AfterCommit) -> None:
    """Tell open call pages and tours; call after the commit."""
    broker = get_broker()
    for consultation_id in sorted(effects.calls):
        await broker.publish(chat_topic(consultation_id), {"kind": ORDER_CHANGED})
    await publish_catalogue(effects.stock)
