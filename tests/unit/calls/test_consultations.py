import pytest
from sqlalchemy.orm import Session

from consult.calls.consultations import (
    ChatError,
    consultation_for_link,
    customer_link,
    end,
    history,
    post_message,
    queue,
    start_walk_in,
)
from consult.calls.events import events_of, record_event
from consult.calls.queue import join_as_staff
from consult.models import ChatMessage
from showroom.identity import LinkError
from tests import factories

KEY = "k"


def test_walk_in_link_opens_that_call_only(session: Session) -> None:
    store = factories.store(session)
    first, second = start_walk_in(session, store.id), start_walk_in(session, store.id)
    link = customer_link(KEY, first)
    assert consultation_for_link(session, KEY, link.token).id == first.id != second.id
    with pytest.raises(LinkError):
        consultation_for_link(session, "other-key", link.token)


def test_staff_joins_and_the_call_goes_live(session: Session) -> None:
    store = factories.store(session)
    aiko = factories.staff(session, store)
    ken = factories.staff(session, store, email="ken@example.com")
    call = start_walk_in(session, store.id)
    assert [c.id for c in queue(session, store.id)] == [call.id]
    join_as_staff(session, call.id, aiko.id, store.id)
    assert call.status == "active" and call.staff_id == aiko.id and call.started_at
    with pytest.raises(PermissionError):
        join_as_staff(session, call.id, ken.id, store.id)
    other = factories.store(session, "umeda")
    with pytest.raises(LookupError):
        join_as_staff(session, call.id, aiko.id, other.id)
    end(session, call.id)
    assert queue(session, store.id) == []


def test_chat_is_stored_in_order(session: Session) -> None:
    call = start_walk_in(session, factories.store(session).id)
    post_message(session, call.id, "customer", "  Is the sofa in stock? ")
    post_message(session, call.id, "staff", "Yes, two left.")
    assert [(m["sender"], m["body"]) for m in history(session, call.id)] == [
        ("customer", "Is the sofa in stock?"),
        ("staff", "Yes, two left."),
    ]


@pytest.mark.parametrize(
    "body, key",
    [
        ("", "call.message_empty"),
        ("   ", "call.message_empty"),
        ("x" * 2001, "call.message_too_long"),
    ],
)
def test_bad_messages_are_refused_and_nothing_is_stored(
    session: Session, body: str, key: str
) -> None:
    call = start_walk_in(session, factories.store(session).id)
    with pytest.raises(ChatError) as raised:
        post_message(session, call.id, "customer", body)
    assert raised.value.key == key
    assert session.query(ChatMessage).count() == 0


def test_no_chat_after_the_call_ended_or_in_unknown_calls(session: Session) -> None:
    call = start_walk_in(session, factories.store(session).id)
    end(session, call.id)
    with pytest.raises(ChatError):
        post_message(session, call.id, "customer", "hello?")
    with pytest.raises(LookupError):
        post_message(session, 9999, "customer", "hello?")


def test_a_booked_call_opens_shortly_before_its_start_and_only_once(session: Session) -> None:
    from datetime import timedelta

    from consult.booking.bookings import cancel, get_booking
    from consult.calls.consultations import JOIN_EARLY, CallNotOpen, call_for_booking
    from consult.models import Booking

    factories.booking(session)
    booking = session.query(Booking).one()
    with pytest.raises(CallNotOpen) as early:
        call_for_booking(
            session, booking, now=booking.starts_at - JOIN_EARLY - timedelta(minutes=1)
        )
    assert early.value.key == "booking.join_later"
    first = call_for_booking(session, booking, now=booking.starts_at - JOIN_EARLY)
    again = call_for_booking(session, booking, now=booking.starts_at + timedelta(minutes=5))
    assert first.id == again.id and first.booking_id == booking.id
    assert first.staff_id == booking.staff_id and first.customer_name == "Hanako Yamada"
    with pytest.raises(CallNotOpen) as late:
        call_for_booking(session, booking, now=booking.ends_at)
    assert late.value.key == "booking.join_closed"
    cancel(session, booking.id, by_staff=True)
    with pytest.raises(CallNotOpen):
        call_for_booking(session, get_booking(session, booking.id), now=booking.starts_at)


def test_call_now_carries_the_product_and_view_and_is_recorded(session: Session) -> None:
    store = factories.store(session)
    product = factories.product(session)
    view = {"scene": "living", "yaw": 0.5, "pitch": -0.1, "zoom": 50}
    call = start_walk_in(session, store.id, product_id=product.id, tour_view=view, language="en")
    assert (call.product_id, call.tour_view, call.language) == (product.id, view, "en")
    assert [(e.kind, e.role) for e in events_of(session, call.id)] == [("queued", "customer")]
    with pytest.raises(LookupError):
        start_walk_in(session, store.id, product_id=product.id + 999)


def test_unknown_call_events_are_refused(session: Session) -> None:
    call = start_walk_in(session, factories.store(session).id)
    with pytest.raises(ValueError):
        record_event(session, call.id, "exploded")
    with pytest.raises(ValueError):
        record_event(session, call.id, "joined", role="intruder")
    record_event(session, call.id, "transferred", role="staff", to_staff_id=7)
    assert events_of(session, call.id)[-1].detail == {"to_staff_id": 7}
