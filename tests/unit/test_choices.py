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
