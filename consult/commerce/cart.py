"""Product cards and the shared cart of a call.

A product card is a chat message (kind 'product', payload {"product_id", "sku"}); what it shows
(price, stock) is read when it is shown, so it is always current. The cart is the call's draft
order: customer and staff both see and change it until staff ask for payment.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import desc, func, or_, select
from sqlalchemy.orm import Session

from consult.calls.consultations import ChatError, post_message
from consult.calls.events import record_event
from consult.calls.in_charge import staff_in_charge
from consult.commerce.checkout import request_payment_for_order
from consult.commerce.orders import OrderError, create_order, set_line
from consult.commerce.stock import OutOfStock, Shortage, available
from consult.models import ChatMessage, Consultation, Order
from showroom import routes
from showroom.i18n import format_price
from showroom.models import Hotspot, Product, Scene, Stock, Store
from showroom.tours.scenes import localised, stock_badge

SEARCH_LIMIT = 12
MAX_QUERY = 100


class CartError(ValueError):
    """A cart change that cannot be made; `key` is the translated reason, `detail` what it is
    about (e.g. the products short of stock), shown after it."""

    def __init__(self, key: str, detail: str = "") -> None:
        super().__init__(f"{key} {detail}".strip())
        self.key = key
        self.detail = detail


def _shortage_text(shortages: list[Shortage], lang: str) -> str:
    left = "残り" if lang == "ja" else "left: "
    return ", ".join(f"{s.name} ({left}{s.left})" for s in shortages)


def search_products(session: Session, query: str, lang: str) -> list[dict[str, str]]:
    """Products whose name (either language) or SKU contains the words typed."""
    text = query.strip()[:MAX_QUERY]
    statement = select(Product).order_by(Product.sku).limit(SEARCH_LIMIT)
    for word in text.split():
        pattern = f"%{word.lower()}%"
        statement = statement.where(
            or_(
                func.lower(Product.name_en).like(pattern),
                func.lower(Product.name_ja).like(pattern),
                func.lower(Product.sku).like(pattern),
            )
        )
    return [
        {
            "id": str(p.id),
            "sku": p.sku,
            "name": localised(p, "name", lang),
            "price": format_price(p.price, p.currency),
        }
        for p in session.scalars(statement)
    ]


def push_card(
    session: Session, consultation_id: int, staff_id: int, product_id: int
) -> ChatMessage:
    """Show a product in the call's chat (stored first, like every message); only by the
    member of staff the call is with now (HandedOn otherwise)."""
    staff_in_charge(session, consultation_id, staff_id)
    product = session.get(Product, product_id)
    if product is None:
        raise LookupError(f"product {product_id}")
    return post_message(
        session, consultation_id, "staff", product.name_en, staff_id=staff_id,
        kind="product", payload={"product_id": product.id, "sku": product.sku},
    )  # fmt: skip


def image_url(path: str) -> str:
    if path.startswith(("http://", "https://", "/")):
        return path
    return f"{routes.MEDIA}/panoramas/{path}"


def tour_link(session: Session, store: Store, product: Product) -> str:
    """The tour at the scene showing this product (the first, by the store's order)."""
    scene = session.scalar(
        select(Scene)
        .join(Hotspot, Hotspot.scene_id == Scene.id)
        .where(Scene.store_id == store.id, Hotspot.product_id == product.id)
        .order_by(Scene.sort_order, Scene.id)
        .limit(1)
    )
    if scene is None:
        return ""
    try:
        return routes.tour(store.slug, scene.slug, product=product.sku)  # type: ignore[call-arg]
    except TypeError:  # the tour's product parameter is not there yet
        return f"{routes.tour(store.slug, scene.slug)}?product={product.sku}"


def card(session: Session, product_id: int, store_id: int, lang: str) -> dict[str, Any]:
    """What a product card shows now: photo, price, stock here, and where it is in the tour."""
    product = session.get(Product, product_id)
    store = session.get(Store, store_id)
    if product is None or store is None:
        return {"id": str(product_id), "name": "", "price": "", "image": "", "badge": "out",
                "stock": "0", "tour": "", "initial": "?"}  # fmt: skip
    stock = session.get(Stock, (store_id, product_id))
    quantity = max(0, stock.available) if stock else 0
    name = localised(product, "name", lang)
    return {
        "id": str(product.id),
        "name": name,
        "price": format_price(product.price, product.currency),
        "image": image_url(product.images[0]) if product.images else "",
        "badge": stock_badge(quantity),
        "stock": str(quantity),
        "tour": tour_link(session, store, product),
        "initial": name[:1],
    }


def cards_of(session: Session, consultation_id: int, lang: str) -> dict[str, dict[str, Any]]:
    """Every product card of a call, by product id (as text: state dict keys)."""
    call = session.get(Consultation, consultation_id)
    if call is None:
        return {}
    ids = {
        int(str((m.payload or {}).get("product_id", 0)))
        for m in session.scalars(
            select(ChatMessage).where(
                ChatMessage.consultation_id == consultation_id, ChatMessage.kind == "product"
            )
        )
    }
    return {str(i): card(session, i, call.store_id, lang) for i in sorted(ids) if i}


def draft_of(session: Session, consultation_id: int) -> Order | None:
    return session.scalars(
        select(Order)
        .where(Order.consultation_id == consultation_id, Order.status == "draft")
        .order_by(desc(Order.id))
        .limit(1)
    ).first()


def _live_call(session: Session, consultation_id: int) -> Consultation:
    call = session.get(Consultation, consultation_id)
    if call is None:
        raise LookupError(f"consultation {consultation_id}")
    if call.status == "ended":
        raise CartError("call.ended")
    return call


def _noted(
    session: Session, order: Order, product_id: int, by: str | None, lang: str = "ja"
) -> Order:
    """The change, stored as a call event for the timelines (the recording's among them)."""
    line = next((x for x in order.lines if x.product_id == product_id), None)
    quantity = line.quantity if line else 0
    name = _name(session, product_id, line.name if line else "", lang)  # removed: the product
    record_event(
        session, order.consultation_id or 0, "cart_changed", role=by,
        product_id=product_id, quantity=quantity, text=f"{name} × {quantity}",
    )  # fmt: skip
    return order


def add_to_cart(
    session: Session,
    consultation_id: int,
    product_id: int,
    *,
    lang: str = "ja",
    by: str | None = None,
) -> Order:
    """One more of a product in the call's cart (a new draft order if there is none); `by`
    is who changed it (customer or staff)."""
    call = _live_call(session, consultation_id)
    order = draft_of(session, consultation_id)
    line = next((x for x in order.lines if x.product_id == product_id), None) if order else None
    wanted = (line.quantity if line else 0) + 1
    if available(session, call.store_id, [product_id])[product_id] < wanted:
        product = session.get(Product, product_id)
        name = localised(product, "name", lang) if product else ""
        left = available(session, call.store_id, [product_id])[product_id]
        raise CartError(
            "cart.out_of_stock", _shortage_text([Shortage(product_id, name, wanted, left)], lang)
        )
    try:
        if order is None:
            order = create_order(session, call.store_id, [(product_id, 1)], call.id, language=lang)
        else:
            order = set_line(session, order, product_id, wanted, language=lang)
    except OrderError as error:
        raise CartError("cart.refused") from error
    return _noted(session, order, product_id, by, lang)


def remove_one(
    session: Session, consultation_id: int, product_id: int, *, by: str | None = None
) -> Order:
    """One fewer of a product in the call's cart (the last one removes the line)."""
    _live_call(session, consultation_id)
    order = draft_of(session, consultation_id)
    line = next((x for x in order.lines if x.product_id == product_id), None) if order else None
    if order is None or line is None:
        raise CartError("cart.not_in_cart")
    order = set_line(session, order, product_id, line.quantity - 1)
    return _noted(session, order, product_id, by, order.language)


def set_quantity(
    session: Session,
    consultation_id: int,
    product_id: int,
    quantity: int,
    *,
    by: str | None = None,
) -> Order:
    _live_call(session, consultation_id)
    order = draft_of(session, consultation_id)
    if order is None:
        raise CartError("cart.empty")
    try:
        order = set_line(session, order, product_id, quantity)
    except OrderError as error:
        raise CartError("cart.refused") from error
    return _noted(session, order, product_id, by, order.language)


def cart_view(session: Session, consultation_id: int, lang: str) -> dict[str, Any]:
    order = draft_of(session, consultation_id)
    if order is None:
        return {"lines": [], "total": "", "count": 0}
    return {
        "lines": [
            {
                "product_id": str(line.product_id or 0),
                "name": _name(session, line.product_id, line.name, lang),
                "quantity": str(line.quantity),
                "amount": format_price(line.unit_price * line.quantity, order.currency),
            }
            for line in order.lines
        ],
        "total": format_price(order.total, order.currency),
        "count": sum(line.quantity for line in order.lines),
    }


def _name(session: Session, product_id: int | None, snapshot: str, lang: str) -> str:
    product = session.get(Product, product_id) if product_id else None
    return localised(product, "name", lang) if product else snapshot


def request_cart_payment(
    session: Session, key: str, consultation_id: int, staff_id: int, lang: str = "ja"
) -> ChatMessage:
    """Ask the customer to pay the cart: its stock is held, the draft becomes awaiting payment,
    its pay link is posted in the chat, and the next product added starts a new cart. Refused
    (CartError "cart.out_of_stock", naming the products) when another customer holds or bought
    what is left; the caller rolls back."""
    call = _live_call(session, consultation_id)
    if call.staff_id != staff_id:
        raise CartError("auth.forbidden")  # the call was handed to a colleague
    order = draft_of(session, consultation_id)
    if order is None or not order.lines:
        raise CartError("cart.empty")
    try:
        return request_payment_for_order(session, key, order, staff_id)
    except OutOfStock as error:
        raise CartError("cart.out_of_stock", _shortage_text(error.shortages, lang)) from error
    except ChatError as error:
        raise CartError(error.key) from error


def send_again(
    session: Session, key: str, consultation_id: int, staff_id: int, order_id: int, lang: str = "ja"
) -> ChatMessage:
    """Send an expired payment request of this call again (its stock held anew)."""
    call = _live_call(session, consultation_id)
    order = session.get(Order, order_id)
    if call.staff_id != staff_id or order is None or order.consultation_id != call.id:
        raise CartError("auth.forbidden")
    if order.status != "expired":
        raise CartError("pay.not_expired")
    try:
        return request_payment_for_order(session, key, order, staff_id)
    except OutOfStock as error:
        raise CartError("cart.out_of_stock", _shortage_text(error.shortages, lang)) from error
