"""Pickup or delivery: the Japanese address check, the generic form, the fee rule, the tax."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from consult.commerce.fulfilment import (
    PREFECTURES,
    FulfilmentError,
    address_lines,
    delivery_address,
    half_width,
    postal_lookup,
    prefecture,
)
from consult.commerce.rules import (
    RulesError,
    StoreRules,
    delivery_fee,
    rules_for,
    save_rules,
    tax_included,
)
from tests import factories

GOOD = {
    "country": "JP",
    "name": "佐藤 花子",
    "postal_code": "107-0062",
    "region": "東京都",
    "city": "港区南青山",
    "line1": "5-1-1",
    "line2": "青山ビル 3F",
    "phone": "03-1234-5678",
}


def test_there_are_47_prefectures_by_either_name() -> None:
    assert len(PREFECTURES) == 47 and len({ja for ja, _ in PREFECTURES}) == 47
    assert prefecture("Osaka") == "大阪府" and prefecture("北海道") == "北海道"
    assert prefecture("Edo") is None


def test_a_japanese_address_is_checked_and_normalised() -> None:
    typed = GOOD | {
        "postal_code": "１０７００６２",
        "phone": "０３ー１２３４ー５６７８",
        "region": "Tokyo",
    }
    address = delivery_address(typed)
    assert address["postal_code"] == "107-0062" and address["region"] == "東京都"
    assert address["phone"] == "03-1234-5678"
    assert address_lines(address, "ja") == [
        "〒107-0062", "東京都港区南青山5-1-1", "青山ビル 3F", "佐藤 花子 様",
    ]  # fmt: skip
    assert address_lines(address, "en")[-1] == "Tokyo 107-0062, Japan"


def test_postal_codes_come_from_japan_post() -> None:
    assert postal_lookup("530-0001") == ("大阪府", "大阪市北区梅田")
    assert postal_lookup("0000000") is None
    assert postal_lookup("12345") is None
    assert half_width("１０７－００６２") == "107-0062"


@pytest.mark.parametrize(
    "change, field, key",
    [
        ({"postal_code": "107-006"}, "postal_code", "fulfil.postal_invalid"),
        ({"postal_code": "abc-defg"}, "postal_code", "fulfil.postal_invalid"),
        ({"postal_code": "999-9999"}, "postal_code", "fulfil.postal_unknown"),
        ({"postal_code": "530-0001"}, "postal_code", "fulfil.postal_other_prefecture"),
        ({"region": ""}, "region", "fulfil.prefecture_required"),
        ({"region": "Atlantis"}, "region", "fulfil.prefecture_required"),
        ({"name": "  "}, "name", "fulfil.required"),
        ({"city": ""}, "city", "fulfil.required"),
        ({"line1": ""}, "line1", "fulfil.required"),
        ({"line1": "x" * 201}, "line1", "fulfil.too_long"),
        ({"phone": "12"}, "phone", "fulfil.phone_invalid"),
        ({"phone": "not a phone"}, "phone", "fulfil.phone_invalid"),
        ({"country": "XX"}, "country", "fulfil.country_unknown"),
    ],
)
def test_each_wrong_field_is_named(change: dict[str, str], field: str, key: str) -> None:
    with pytest.raises(FulfilmentError) as wrong:
        delivery_address(GOOD | change)
    assert wrong.value.errors[field] == key


def test_every_wrong_field_at_once() -> None:
    with pytest.raises(FulfilmentError) as wrong:
        delivery_address({"country": "JP"})
    assert set(wrong.value.errors) == {"name", "city", "line1", "postal_code", "region", "phone"}


def test_other_countries_get_a_generic_form() -> None:
    address = delivery_address(
        {
            "country": "GB",
            "name": "Ann Lee",
            "postal_code": "sw1a 1aa",
            "region": "",
            "city": "London",
            "line1": "10 Downing St",
            "phone": "020 7946 0018",
        }
    )
    assert address["postal_code"] == "SW1A 1AA" and address["phone"] == "+442079460018"
    assert address_lines(address, "en") == ["Ann Lee", "10 Downing St", "London SW1A 1AA", "GB"]


def test_delivery_fee_is_flat_and_free_above_the_threshold() -> None:
    rules = StoreRules(delivery_fee=1100, free_delivery_from=100_000)
    assert delivery_fee(rules, 99_999) == 1100
    assert delivery_fee(rules, 100_000) == 0
    assert delivery_fee(StoreRules(free_delivery_from=None), 10**7) == 1100
    assert delivery_fee(StoreRules(delivery_enabled=False), 5000) is None


def test_the_tax_inside_a_tax_inclusive_total() -> None:
    assert tax_included(37_900, 10) == 3445  # 37,900 × 10 / 110, rounded down
    assert tax_included(110, 10) == 10 and tax_included(1080, 8) == 80 and tax_included(0, 10) == 0


def test_a_store_sets_its_rules_and_each_wrong_value_is_named(session: Session) -> None:
    store = factories.store(session)
    assert rules_for(session, store.id) == StoreRules()  # no row: the defaults
    form = {"hold_minutes": "20", "pickup_ready_hours": "4", "delivery_fee": "1,650",
            "free_delivery_from": "", "tax_rate_percent": "10", "pickup_enabled": "on",
            "delivery_enabled": "on", "staff_may_refund": ""}  # fmt: skip
    saved = save_rules(session, store.id, form)
    assert (saved.hold_minutes, saved.delivery_fee, saved.free_delivery_from) == (20, 1650, None)
    assert not saved.staff_may_refund and rules_for(session, store.id) == saved
    with pytest.raises(RulesError) as wrong:
        save_rules(session, store.id, form | {"hold_minutes": "0", "tax_rate_percent": "101",
                                              "delivery_fee": "-1", "pickup_enabled": "",
                                              "delivery_enabled": ""})  # fmt: skip
    assert wrong.value.errors == {
        "hold_minutes": "rules.out_of_range", "delivery_fee": "rules.out_of_range",
        "tax_rate_percent": "rules.out_of_range", "pickup_enabled": "rules.one_way_needed",
    }  # fmt: skip
    assert rules_for(session, store.id) == saved
