"""A supervisor sets how the store sells in calls: how long a payment request holds stock,
pickup and when it is ready, the delivery fee and from what amount delivery is free, the tax
rate printed on receipts, and whether staff may refund."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from consult.commerce.rules import LIMITS, RulesError, StoreRules, rules_for, save_rules
from showroom import routes
from showroom.db import session_scope
from showroom.layout import T, forbidden_or, page
from showroom.session_state import SessionState

ROUTE = routes.ADMIN_COMMERCE


def _form_of(rules: StoreRules) -> dict[str, str]:
    return {
        field: "" if getattr(rules, field) is None else str(getattr(rules, field))
        for field in LIMITS
    }


class CommerceRulesState(rx.State):
    values: dict[str, str] = {}
    switches: dict[str, bool] = {}
    errors: dict[str, str] = {}
    saved: bool = False

    @rx.event
    async def load(self) -> EventSpec | None:
        session_state = await self.get_state(SessionState)
        redirect = session_state.authorise("supervisor")
        if redirect is not None or session_state.forbidden:
            return redirect
        who = session_state.current_staff()
        if who is None:
            return None
        with session_scope() as session:
            self._show(rules_for(session, who.store_id))
        self.errors, self.saved = {}, False
        return None

    def _show(self, rules: StoreRules) -> None:
        self.values = _form_of(rules)
        self.switches = {
            "pickup_enabled": rules.pickup_enabled,
            "delivery_enabled": rules.delivery_enabled,
            "staff_may_refund": rules.staff_may_refund,
        }

    @rx.event
    async def save(self, form: dict[str, Any]) -> None:
        session_state = await self.get_state(SessionState)
        who = session_state.current_staff()
        if who is None or not who.may("supervisor"):  # checked again when it runs
            self.errors, self.saved = {"form": "auth.forbidden"}, False
            return
        try:
            with session_scope() as session:
                self._show(save_rules(session, who.store_id, form))
        except RulesError as error:
            self.errors, self.saved = error.errors, False
            self.values = {k: str(form.get(k, "")) for k in LIMITS}
            return
        self.errors, self.saved = {}, True


ERRORS: Any = CommerceRulesState.errors
VALUES: Any = CommerceRulesState.values
SWITCHES: Any = CommerceRulesState.switches


def number(field: str, label_key: str, help_key: str = "") -> rx.Component:
    return rx.vstack(
        rx.text(
            T[label_key],
            as_="label",
            size="2",
            weight="medium",
            custom_attrs={"htmlFor": f"rules-{field}"},
        ),
        rx.input(
            name=field,
            id=f"rules-{field}",
            default_value=VALUES[field].to(str),
            key=VALUES[field].to(str),
            input_mode="numeric",
            width="12em",
            custom_attrs={"aria-invalid": rx.cond(ERRORS.contains(field), "true", "false")},
        ),
        *([rx.text(T[help_key], size="1", color_scheme="gray")] if help_key else []),
        rx.cond(
            ERRORS.contains(field),
            rx.text(T[ERRORS[field].to(str)], color_scheme="red", size="1", role="alert"),
        ),
        spacing="1",
    )


def switch(field: str, label_key: str) -> rx.Component:
    return rx.vstack(
        rx.checkbox(
            T[label_key],
            name=field,
            default_checked=SWITCHES[field].to(bool),
            key=SWITCHES[field].to(str),
            id=f"rules-{field}",
        ),
        rx.cond(
            ERRORS.contains(field),
            rx.text(T[ERRORS[field].to(str)], color_scheme="red", size="1", role="alert"),
        ),
        spacing="1",
    )


def commerce_rules_page() -> rx.Component:
    return page(
        forbidden_or(
            rx.card(
                rx.form(
                    rx.vstack(
                        rx.heading(T["rules.title"], size="6"),
                        number("hold_minutes", "rules.hold_minutes"),
                        switch("pickup_enabled", "rules.pickup_enabled"),
                        number("pickup_ready_hours", "rules.pickup_ready_hours"),
                        switch("delivery_enabled", "rules.delivery_enabled"),
                        number("delivery_fee", "rules.delivery_fee"),
                        number("free_delivery_from", "rules.free_delivery_from", "rules.free_help"),
                        number("tax_rate_percent", "rules.tax_rate_percent"),
                        switch("staff_may_refund", "rules.staff_may_refund"),
                        rx.cond(
                            CommerceRulesState.saved,
                            rx.callout(T["rules.saved"], color_scheme="green", id="rules-saved"),
                        ),
                        rx.button(T["rules.save"], type="submit", id="rules-save"),
                        spacing="4",
                    ),
                    on_submit=CommerceRulesState.save,
                ),
                max_width="560px",
                width="100%",
            )
        ),
        on_switch=CommerceRulesState.load,
    )
