"""Who is on each side of a call: the walk-in caller's name and language, and the member of
staff the customer sees (the one talking, or the one they wait for)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from consult.calls.consultations import start_walk_in
from consult.calls.intro import MAX_NAME, CallerIntro, IntroError, read_intro, staff_face
from consult.calls.presence import set_presence
from consult.calls.queue import accept, queue_for_staff
from tests import factories


def test_the_callers_name_is_tidied_and_the_language_kept() -> None:
    assert read_intro("  Mia   Tanaka ", "en") == CallerIntro("Mia Tanaka", "en")
    assert read_intro("", "ja") == CallerIntro("", "ja")
    assert read_intro("田中 美亜", "ja").name == "田中 美亜"


@pytest.mark.parametrize(
    ("name", "language", "key"),
    [
        ("x" * (MAX_NAME + 1), "en", "intro.name_too_long"),
        ("Mia\x00", "en", "intro.invalid"),
        (["Mia"], "en", "intro.invalid"),
        ("Mia", None, "intro.invalid"),
        ("Mia", "fr", "intro.language_unknown"),
        ("Mia", "", "intro.language_unknown"),
    ],
)
def test_a_bad_name_or_language_is_refused_with_its_reason(
    name: object, language: object, key: str
) -> None:
    with pytest.raises(IntroError) as refused:
        read_intro(name, language)
    assert refused.value.key == key


def test_the_customer_sees_whom_they_wait_for_then_who_talks(session: Session) -> None:
    store = factories.store(session)
    aiko = factories.staff(session, store)
    aiko.photo = "staff/aiko.png"
    anyone = start_walk_in(session, store.id, customer_name="Mia", language="en")
    assert staff_face(session, anyone).name == ""
    # Staff see the caller's name and language in the queue.
    (waiting,) = [
        c for c in queue_for_staff(session, aiko.id, store.id, "en") if c["id"] == anyone.id
    ]
    assert (waiting["name"], waiting["language"]) == ("Mia", "en")

    asked = start_walk_in(session, store.id, requested_staff_id=aiko.id)
    face = staff_face(session, asked)
    assert (face.name, face.photo, face.joined) == (aiko.display_name, "staff/aiko.png", False)

    set_presence(session, aiko.id, "available")
    accept(session, anyone.id, aiko.id, store.id)
    face = staff_face(session, anyone)
    assert (face.name, face.joined) == (aiko.display_name, True)


def test_after_the_call_the_customer_gets_who_what_and_how_to_book_again(
    session: Session,
) -> None:
    from consult.calls.after_call import customer_summary
    from consult.commerce.cart import push_card

    store = factories.store(session)
    aiko = factories.staff(session, store)
    sofa = factories.product(session)
    lamp = factories.product(session, sku="LAMP-001", name_en="Lamp", name_ja="ランプ")
    factories.hotspot(session, factories.scene(session, store), product_row=sofa)
    set_presence(session, aiko.id, "available")
    call = start_walk_in(session, store.id, customer_name="Mia", language="en")
    accept(session, call.id, aiko.id, store.id)
    for product in (sofa, lamp, sofa):  # the sofa shown twice: listed once
        push_card(session, call.id, aiko.id, product.id)

    summary = customer_summary(session, call.id, "ja", key="k", base_url="http://127.0.0.1")
    assert summary["staff"] == aiko.display_name
    assert [p["name"] for p in summary["products"]] == ["ソファ", "ランプ"]
    assert summary["products"][0]["tour"].startswith(f"/tour/{store.slug}/living")
    assert summary["products"][1]["tour"] == ""  # not in the tour: shown without a link
    assert summary["orders"] == []
    assert summary["book_again"] == f"/book/{store.slug}"
