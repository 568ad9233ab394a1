"""What selects and list buttons send back: ids arrive as numbers or strings."""

from __future__ import annotations

import pytest

from showroom.choices import chosen_id, chosen_text


@pytest.mark.parametrize(("value", "expected"), [(7, 7), ("7", 7), (" 12 ", 12), ("0042", 42)])
def test_an_id_is_read_from_a_number_or_digits(value: object, expected: int) -> None:
    assert chosen_id(value) == expected


@pytest.mark.parametrize(
    "value", [0, -3, "0", "", "abc", "3.5", 3.0, True, None, "١٢", ["3"], {"id": 3}, "9" * 30]
)
def test_anything_else_is_no_id(value: object) -> None:
    assert chosen_id(value) is None


def test_a_text_choice_is_one_of_the_allowed() -> None:
    allowed = ("sold", "follow_up")
    assert chosen_text("sold", allowed, "") == "sold"
    assert chosen_text(" follow_up ", allowed, "") == "follow_up"
    assert chosen_text("refund everything", allowed, "") == ""
    assert chosen_text(None, allowed, "sold") == "sold"
    assert chosen_text(True, allowed, "") == ""


def test_a_routes_values_come_from_the_path() -> None:
    from showroom import routes

    assert routes.path_params(routes.TOUR, "/tour/aoyama/living/") == {
        "store_slug": "aoyama",
        "scene_slug": "living",
    }
    assert routes.path_params(routes.CALL, "/call/abc.def?x=1") == {"call_token": "abc.def"}
    assert routes.path_params(routes.BOOK, "/book/%E9%9D%92%E5%B1%B1") == {"store_slug": "青山"}
    assert routes.path_params(routes.STAFF_CALL, "/call/abc") == {}
    assert routes.path_params(routes.TOUR, "/tour/aoyama") == {}
