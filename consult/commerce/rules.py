"""A store's commerce rules (hold time, pickup, delivery fee, tax, who may refund) as plain data.

A store without a `store_commerce` row sells with `DEFAULT_RULES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from consult.commerce.models import StoreCommerce


@dataclass(frozen=True)
class StoreRules:
    hold_minutes: int = 15
    pickup_enabled: bool = True
    pickup_ready_hours: int = 2
    delivery_enabled: bool = True
    delivery_fee: int = 1100
    free_delivery_from: int | None = 100_000
    tax_rate_percent: int = 10
    staff_may_refund: bool = False


DEFAULT_RULES = StoreRules()


def rules_for(session: Session, store_id: int) -> StoreRules:
    row = session.get(StoreCommerce, store_id)
    if row is None:
        return DEFAULT_RULES
    return StoreRules(
        hold_minutes=row.hold_minutes,
        pickup_enabled=row.pickup_enabled,
        pickup_ready_hours=row.pickup_ready_hours,
        delivery_enabled=row.delivery_enabled,
        delivery_fee=row.delivery_fee,
        free_delivery_from=row.free_delivery_from,
        tax_rate_percent=row.tax_rate_percent,
        staff_may_refund=row.staff_may_refund,
    )


def delivery_fee(rules: StoreRules, subtotal: int) -> int | None:
    """The fee for delivering an order of `subtotal`: flat, free from the store's threshold;
    None when this store does not deliver."""
    if not rules.delivery_enabled:
        return None
    if rules.free_delivery_from is not None and subtotal >= rules.free_delivery_from:
        return 0
    return rules.delivery_fee


def tax_included(amount: int, rate_percent: int) -> int:
    """The consumption tax inside a tax-inclusive amount, as Japanese receipts print it
    (内消費税: amount × rate / (100 + rate), rounded down to the yen)."""
    return amount * rate_percent // (100 + rate_percent)


class RulesError(ValueError):
    """What is wrong in a store's rules form, by field: {field: text key}."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


LIMITS = {  # field: (smallest, largest)
    "hold_minutes": (1, 24 * 60),
    "pickup_ready_hours": (0, 24 * 14),
    "delivery_fee": (0, 1_000_000),
    "free_delivery_from": (0, 99_999_999),
    "tax_rate_percent": (0, 100),
}
SWITCHES = ("pickup_enabled", "delivery_enabled", "staff_may_refund")


def save_rules(session: Session, store_id: int, form: Mapping[str, object]) -> StoreRules:
    """Store a store's rules from the admin form (whole numbers in range; an empty
    "free from" means delivery is never free). Every wrong field is named at once."""
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    for field, (low, high) in LIMITS.items():
        text = str(form.get(field, "")).strip().replace(",", "")
        if field == "free_delivery_from" and text == "":
            values[field] = None
            continue
        if not text.isdigit() or not low <= int(text) <= high:
            errors[field] = "rules.out_of_range"
            continue
        values[field] = int(text)
    for field in SWITCHES:
        values[field] = str(form.get(field, "")) in ("on", "true", "1", "True")
    if not values["pickup_enabled"] and not values["delivery_enabled"]:
        errors["pickup_enabled"] = "rules.one_way_needed"
    if errors:
        raise RulesError(errors)
    row = session.get(StoreCommerce, store_id)
    if row is None:
        row = StoreCommerce(store_id=store_id)
        session.add(row)
    for field, value in values.items():
        setattr(row, field, value)
    session.flush()
    return rules_for(session, store_id)
