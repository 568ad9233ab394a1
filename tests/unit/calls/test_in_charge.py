"""After a transfer the call is the new member of staff's alone, whatever older pages hold."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from consult.calls.consultations import history, start_walk_in
from consult.calls.in_charge import HandedOn, staff_in_charge
from consult.calls.presence import set_presence
from consult.calls.queue import accept
from consult.calls.transfer import transfer
from consult.calls.wrap_up import save_notes
from consult.commerce.cart import push_card
from tests import factories


def test_only_the_staff_member_holding_the_call_now_may_act(session: Session) -> None:
    store = factories.store(session)
    aiko = factories.staff(session, store)
    mia = factories.staff(session, store, email="mia@example.com")
    sofa = factories.product(session)
    set_presence(session, mia.id, "available")
    call = start_walk_in(session, store.id)
    accept(session, call.id, aiko.id, store.id)
    assert staff_in_charge(session, call.id, aiko.id) is call
    push_card(session, call.id, aiko.id, sofa.id)  # before the transfer: fine

    transfer(session, call.id, aiko.id, mia.id, "")
    assert staff_in_charge(session, call.id, mia.id) is call
    with pytest.raises(HandedOn):
        staff_in_charge(session, call.id, aiko.id)
    cards_before = [m for m in history(session, call.id) if m["kind"] == "product"]
    with pytest.raises(HandedOn):
        push_card(session, call.id, aiko.id, sofa.id)
    with pytest.raises(HandedOn):
        save_notes(session, call.id, aiko.id, "written in a stale tab")
    assert [m for m in history(session, call.id) if m["kind"] == "product"] == cards_before
    assert call.notes != "written in a stale tab"
    push_card(session, call.id, mia.id, sofa.id)  # the new holder still can


def test_an_unknown_call_is_a_lookup_error(session: Session) -> None:
    store = factories.store(session)
    aiko = factories.staff(session, store)
    with pytest.raises(LookupError):
        staff_in_charge(session, 404, aiko.id)
    waiting = start_walk_in(session, store.id)  # nobody has it yet
    with pytest.raises(HandedOn):
        staff_in_charge(session, waiting.id, aiko.id)
