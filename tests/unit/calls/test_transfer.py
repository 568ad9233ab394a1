from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from consult.calls.consultations import consultation_for_link, customer_link, history, start_walk_in
from consult.calls.events import events_of
from consult.calls.presence import set_presence
from consult.calls.queue import accept
from consult.calls.transfer import TransferError, colleagues, my_calls, transfer
from tests import factories


def test_a_call_goes_to_an_available_colleague_with_a_note(session: Session) -> None:
    store = factories.store(session)
    aiko = factories.staff(session, store)
    ken = factories.staff(session, store, email="ken@example.com")
    mia = factories.staff(session, store, email="mia@example.com")
    for member in (aiko, ken):
        set_presence(session, member.id, "available")
    set_presence(session, mia.id, "away")
    call = start_walk_in(session, store.id)
    link = customer_link("k", call)
    accept(session, call.id, aiko.id, store.id)
    assert colleagues(session, store.id, aiko.id) == [{"id": str(ken.id), "name": "ken"}]

    transfer(session, call.id, aiko.id, ken.id, "  Wants the sofa in grey  ")
    assert call.staff_id == ken.id and call.status == "active"
    # The customer's link still opens the same call.
    assert consultation_for_link(session, "k", link.token).id == call.id
    assert my_calls(session, ken.id, store.id) == [
        {"id": call.id, "name": "", "from": "aiko", "note": "Wants the sofa in grey"}
    ]
    assert my_calls(session, aiko.id, store.id) == []
    event = events_of(session, call.id)[-1]
    assert (event.kind, event.staff_id, event.detail["to_staff_id"]) == (
        "transferred", aiko.id, ken.id,
    )  # fmt: skip
    # The customer's chat shows the hand-over, not the private note.
    line = history(session, call.id)[-1]
    assert (line["kind"], line["event"], line["body"]) == ("event", "transferred", "ken")
    assert "grey" not in str(history(session, call.id))


@pytest.mark.parametrize(
    "case, key",
    [
        ("self", "transfer.to_self"),
        ("away", "transfer.unavailable"),
        ("busy", "transfer.unavailable"),
        ("not_mine", "transfer.not_yours"),
        ("long_note", "transfer.note_too_long"),
        ("other_store", "transfer.unavailable"),
    ],
)
def test_transfers_that_cannot_happen_change_nothing(session: Session, case: str, key: str) -> None:
    store = factories.store(session)
    aiko = factories.staff(session, store)
    ken = factories.staff(session, store, email="ken@example.com")
    other = factories.staff(session, factories.store(session, "umeda"), email="o@example.com")
    for member in (aiko, ken, other):
        set_presence(session, member.id, "available")
    call = start_walk_in(session, store.id)
    accept(session, call.id, aiko.id, store.id)
    sender, target, note = aiko.id, ken.id, ""
    if case == "self":
        target = aiko.id
    elif case == "away":
        set_presence(session, ken.id, "away")
    elif case == "busy":
        accept(session, start_walk_in(session, store.id).id, ken.id, store.id)
    elif case == "not_mine":
        sender, target = ken.id, aiko.id
    elif case == "long_note":
        note = "x" * 501
    elif case == "other_store":
        target = other.id
    with pytest.raises(TransferError) as refused:
        transfer(session, call.id, sender, target, note)
    assert refused.value.key == key
    assert call.staff_id == aiko.id
    assert [e.kind for e in events_of(session, call.id)] == ["queued", "accepted"]
