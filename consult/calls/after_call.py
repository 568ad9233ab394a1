"""What the customer sees once a call has ended: whom they spoke to, the products shown
(each with its place in the tour), their orders as they stand now, and a way to book again."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.calls.intro import staff_face
from consult.commerce.cart import tour_link
from consult.commerce.checkout import payment_cards
from consult.models import ChatMessage, Consultation
from showroom import routes
from showroom.models import Product, Store
from showroom.tours.scenes import localised

# An order's state (as payment_cards gives it) -> the text key the customer reads.
ORDER_STATE_KEYS = {
    "awaiting": "pay.state_awaiting",
    "declined": "pay.state_declined_customer",
    "paid": "pay.state_paid",
    "expired": "pay.state_expired",
    "cancelled": "pay.state_cancelled",
}


def products_shown(session: Session, call: Consultation, lang: str) -> list[dict[str, str]]:
    """Each product card staff showed in the call, once, in the order shown."""
    store = session.get(Store, call.store_id)
    seen: list[int] = []
    for payload in session.scalars(
        select(ChatMessage.payload)
        .where(ChatMessage.consultation_id == call.id, ChatMessage.kind == "product")
        .order_by(ChatMessage.id)
    ):
        raw = str((payload or {}).get("product_id", ""))
        if raw.isdigit() and int(raw) not in seen:
            seen.append(int(raw))
    shown = []
    for product_id in seen:
        product = session.get(Product, product_id)
        if product is None or store is None:
            continue
        shown.append(
            {
                "id": str(product.id),
                "name": localised(product, "name", lang),
                "tour": tour_link(session, store, product),
            }
        )
    return shown


def customer_summary(
    session: Session, consultation_id: int, lang: str, *, key: str, base_url: str
) -> dict[str, Any]:
    call = session.get(Consultation, consultation_id)
    if call is None:
        raise LookupError(f"consultation {consultation_id}")
    store = session.get(Store, call.store_id)
    face = staff_face(session, call)
    cards = payment_cards(session, consultation_id, lang, key=key, base_url=base_url)
    orders = [
        {
            "number": card["number"],
            "total": card["total"],
            "state": card["state"],
            "state_key": ORDER_STATE_KEYS.get(card["state"], "pay.state_awaiting"),
            "link": card["link"],  # only while it can still be paid
        }
        for _, card in sorted(cards.items(), key=lambda item: int(item[0]))
    ]
    return {
        "staff": face.name,
        "photo": f"{routes.MEDIA}/{face.photo}" if face.photo else "",
        "products": products_shown(session, call, lang),
        "orders": orders,
        "book_again": routes.book(store.slug, call.product_id) if store else "",
    }
