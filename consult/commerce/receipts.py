"""The order confirmation and receipt mail, and the order's own link.

In the customer's language; lines, delivery fee and a total that includes consumption tax, with
the tax inside it shown per rate as Japanese receipts print it (「10%対象 ¥X（内消費税 ¥Y）」);
how the order is received (pickup: the store, its address and when it is ready; delivery: the
address); the store's name and address, and a link to the order's page. Sent once per order:
sending is claimed in the database first, so two workers (or a retry) never mail it twice, and
a claim whose mail failed is given up so the next run retries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from email.message import EmailMessage
from html import escape
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from consult.commerce.fulfilment import address_lines
from consult.commerce.rules import rules_for, tax_included
from consult.mail import Mailer, MailError, build_message
from consult.models import Order
from showroom.db import utcnow
from showroom.i18n import format_price, t
from showroom.identity import sign_link, verify_link
from showroom.models import Store

log = logging.getLogger(__name__)

ORDER_LINK_KIND = "order_view"
ORDER_LINK_DAYS = 400  # a receipt is kept for a year and more
CLAIM_TIMEOUT = timedelta(minutes=10)
SessionFactory = Callable[[], AbstractContextManager[Session]]


def order_link(key: str, order_id: int, *, now: datetime | None = None) -> str:
    """The token of the order's page (`/order/<token>`), mailed with the receipt."""
    return sign_link(
        key, ORDER_LINK_KIND, order_id, (now or utcnow()) + timedelta(days=ORDER_LINK_DAYS)
    )


def order_for_view(session: Session, key: str, token: str) -> Order:
    order = session.get(Order, verify_link(key, token, ORDER_LINK_KIND))
    if order is None:
        raise LookupError("order")
    return order


def local_time(when: datetime | None, store: Store | None, lang: str) -> str:
    if when is None:
        return ""
    local = when.astimezone(ZoneInfo(store.timezone if store else "Asia/Tokyo"))
    return local.strftime("%Y年%m月%d日 %H:%M" if lang == "ja" else "%d %b %Y, %H:%M")


def receipt_text(session: Session, order: Order, lang: str, link: str) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of the receipt."""
    store = session.get(Store, order.store_id)
    store_name = (store.name_ja if lang == "ja" else store.name_en) if store else ""
    address = (store.address_ja if lang == "ja" else store.address_en) if store else ""
    rate = rules_for(session, order.store_id).tax_rate_percent
    money = lambda amount: format_price(amount, order.currency)  # noqa: E731
    rows = [(f"{line.name} × {line.quantity}", money(line.unit_price * line.quantity))
            for line in order.lines]  # fmt: skip
    rows.append((t(lang, "receipt.subtotal"), money(order.subtotal)))
    if order.fulfilment == "delivery":
        rows.append((t(lang, "receipt.delivery_fee"), money(order.delivery_fee)))
    total_row = (t(lang, "receipt.total"), money(order.total))
    tax = t(lang, "receipt.tax_line").format(
        rate=rate, base=money(order.total), tax=money(tax_included(order.total, rate))
    )
    if order.fulfilment == "pickup":
        pickup = session.get(Store, order.pickup_store_id or order.store_id)
        where = [
            t(lang, "receipt.pickup_at").format(
                store=(pickup.name_ja if lang == "ja" else pickup.name_en) if pickup else ""
            ),
            (pickup.address_ja if lang == "ja" else pickup.address_en) if pickup else "",
            t(lang, "receipt.ready_from").format(when=local_time(order.ready_at, pickup, lang)),
        ]
    else:
        where = [t(lang, "receipt.delivery_to"), *address_lines(order.delivery_address or {}, lang)]
    subject = t(lang, "receipt.subject").format(store=store_name, number=order.id)
    head = [
        t(lang, "receipt.greeting").format(name=order.customer_name or t(lang, "receipt.customer")),
        "",
        t(lang, "receipt.intro"),
        "",
        f"{t(lang, 'receipt.title')}  {t(lang, 'receipt.number')} #{order.id}",
        f"{t(lang, 'receipt.paid_at')}: {local_time(order.paid_at, store, lang)}",
        t(lang, "receipt.paid_by_card"),
        "",
    ]
    text = "\n".join(
        [*head, *(f"{a}  {b}" for a, b in rows), f"{total_row[0]}  {total_row[1]}", tax, "",
         *[x for x in where if x], "", t(lang, "receipt.view_order"), link, "",
         store_name, address]
    )  # fmt: skip
    cells = "".join(
        f"<tr><td>{escape(a)}</td><td style='text-align:right'>{escape(b)}</td></tr>"
        for a, b in rows
    )
    html = (
        "<div style='font-family:sans-serif;max-width:560px'>"
        + "".join(f"<p>{escape(x)}</p>" for x in head if x)
        + f"<table style='width:100%;border-collapse:collapse'>{cells}"
        + f"<tr><th style='text-align:left'>{escape(total_row[0])}</th>"
        + f"<th style='text-align:right'>{escape(total_row[1])}</th></tr></table>"
        + f"<p>{escape(tax)}</p>"
        + "<p>"
        + "<br>".join(escape(x) for x in where if x)
        + "</p>"
        + f"<p><a href='{escape(link)}'>{escape(t(lang, 'receipt.view_order'))}</a></p>"
        + f"<p>{escape(store_name)}<br>{escape(address)}</p></div>"
    )
    return subject, text, html


def claim_receipt(session: Session, order_id: int, *, now: datetime | None = None) -> bool:
    """Take the right to send this order's receipt (once; a stale claim can be taken again)."""
    now = now or utcnow()
    claimed = session.execute(
        update(Order)
        .where(
            Order.id == order_id,
            Order.status == "paid",
            Order.receipt_sent_at.is_(None),
            Order.customer_email != "",
            (Order.receipt_claimed_at.is_(None)) | (Order.receipt_claimed_at < now - CLAIM_TIMEOUT),
        )
        .values(receipt_claimed_at=now)
        .returning(Order.id)
    ).first()
    return claimed is not None


def send_receipt(
    open_session: SessionFactory, order_id: int, mailer: Mailer, *, base_url: str, key: str
) -> bool:
    """Mail the receipt if nobody has; True if this call sent it."""
    with open_session() as session:
        if not claim_receipt(session, order_id):
            return False
        order = session.get(Order, order_id)
        assert order is not None
        lang = order.language if order.language in ("ja", "en") else "ja"
        link = f"{base_url}/order/{order_link(key, order.id)}"
        subject, text, html = receipt_text(session, order, lang, link)
        message: EmailMessage = build_message(order.customer_email, subject, text, html)
    try:
        mailer.send(message)
    except MailError as error:
        log.warning("receipt for order %s not sent (retried later): %s", order_id, error)
        with open_session() as session:
            session.execute(
                update(Order).where(Order.id == order_id).values(receipt_claimed_at=None)
            )
        return False
    with open_session() as session:
        session.execute(update(Order).where(Order.id == order_id).values(receipt_sent_at=utcnow()))
    log.info("receipt for order %s sent", order_id)
    return True


def unsent_receipts(session: Session, *, now: datetime | None = None) -> list[int]:
    """Paid orders whose receipt is still owed (the mail server was down, or a worker died)."""
    now = now or utcnow()
    return list(
        session.scalars(
            select(Order.id).where(
                Order.status == "paid",
                Order.receipt_sent_at.is_(None),
                Order.customer_email != "",
                (Order.receipt_claimed_at.is_(None))
                | (Order.receipt_claimed_at < now - CLAIM_TIMEOUT),
            )
        )
    )
