"""The staff member's context during a call and the wrap-up after it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from consult.calls.consultations import call_for_booking, end, post_message, start_walk_in
from consult.calls.context import call_context
from consult.calls.queue import join_as_staff
from consult.calls.wrap_up import WrapUpError, save_notes, save_wrap_up, summary
from consult.commerce.cart import add_to_cart, push_card, request_cart_payment
from consult.models import Booking
from showroom.db import utcnow
from showroom.models import Stock
from showroom.tours.analytics import record
from tests import factories


def test_staff_see_who_is_calling_and_what_led_them_here(session: Session) -> None:
    _aiko_id, store_id, _start = factories.booking(session)
    booking = session.query(Booking).one()
    visitor = "visitor-0002"
    booking.visitor_id = visitor
    record(session, visitor_id=visitor, store_id=store_id, kind="product_open",
           product_id=booking.product_id)  # fmt: skip
    earlier = start_walk_in(session, store_id, visitor_id=visitor)
    earlier.staff_id = booking.staff_id  # accepted
    session.add(Stock(store_id=store_id, product_id=booking.product_id or 0, quantity=1))
    add_to_cart(session, earlier.id, booking.product_id or 0)
    request_cart_payment(session, "k", earlier.id, booking.staff_id or 0)
    end(session, earlier.id)
    call = call_for_booking(session, booking, now=booking.starts_at)
    context = call_context(session, call.id, "en")
    assert (context["name"], context["email"]) == ("Hanako Yamada", "hanako@example.com")
    assert context["answers"] == [
        {
            "question": "Do you have a floor plan?",
            "lead": "Do you have a floor plan? ",  # "… plan? No", never "… plan?: No"
            "answer": "No",
        }
    ]
    assert (context["product"], context["view"]) == ("Sofa", "Living (29°)")
    assert [p["name"] for p in context["viewed"]] == ["Sofa"]
    assert [p["id"] for p in context["past"]] == [str(earlier.id)]
    assert [(o["total"], o["status"]) for o in context["orders"]] == [
        ("¥248,000", "awaiting_payment")
    ]
    with pytest.raises(LookupError):
        call_context(session, 9999, "en")


def test_wrap_up_saves_outcome_and_notes_and_summarises(session: Session) -> None:
    store = factories.store(session)
    sofa = factories.product(session)
    aiko = factories.staff(session, store)
    ken = factories.staff(session, store, email="ken@example.com")
    call = start_walk_in(session, store.id)
    join_as_staff(session, call.id, aiko.id, store.id)
    call.started_at = utcnow() - timedelta(minutes=7, seconds=5)
    post_message(session, call.id, "customer", "Hello")
    push_card(session, call.id, aiko.id, sofa.id)
    push_card(session, call.id, aiko.id, sofa.id)
    post_message(session, call.id, "staff", "Here it is", staff_id=aiko.id)
    save_notes(session, call.id, aiko.id, "likes grey")
    with pytest.raises(WrapUpError) as early:
        save_wrap_up(session, call.id, aiko.id, "sold", "")
    assert early.value.key == "wrap_up.not_ended"
    end(session, call.id)
    with pytest.raises(WrapUpError) as no_outcome:
        save_wrap_up(session, call.id, aiko.id, "maybe", "")
    assert no_outcome.value.key == "wrap_up.choose_outcome"
    with pytest.raises(WrapUpError):
        save_notes(session, call.id, aiko.id, "x" * 5001)
    with pytest.raises(PermissionError):
        save_wrap_up(session, call.id, ken.id, "sold", "")
    save_wrap_up(session, call.id, aiko.id, "follow_up", "likes grey; call back Friday")
    assert (call.outcome, call.notes) == ("follow_up", "likes grey; call back Friday")
    result = summary(session, call.id, "en")
    assert result["duration"].startswith("7:0") and result["products"] == ["Sofa"]
    assert [(x["sender"], x["who"], x["body"]) for x in result["transcript"]] == [
        ("customer", "", "Hello"),
        ("staff", "aiko", "Here it is"),
    ]
