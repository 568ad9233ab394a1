"""Card entry with Stripe.js as a Reflex component (see assets/card_payment.jsx)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import reflex as rx
from reflex_base.event import EventType, passthrough_event_spec

if TYPE_CHECKING:
    ResultTrigger = rx.EventHandler
else:
    ResultTrigger = rx.EventHandler[passthrough_event_spec(dict[str, str])]


class CardPayment(rx.NoSSRComponent):
    library = "$/public/card_payment.jsx"
    tag = "CardPayment"

    publishable_key: rx.Var[str]
    client_secret: rx.Var[str]
    stripe_js_url: rx.Var[str]
    submit_label: rx.Var[str]
    processing_label: rx.Var[str]
    # A PaymentIntent's client secret when the bank asks for 3-D Secure; "" otherwise.
    action_secret: rx.Var[str]
    # The offline form's field hints in the customer's language: number, exp_month, exp_year, cvc.
    hints: rx.Var[dict[str, str]]

    # The card was confirmed with Stripe (or not):
    # {"status", "setup_intent", "message", "code", "decline_code"}.
    on_result: ResultTrigger
    # 3-D Secure is over: {"status": "authenticated" | "error", "code"}.
    on_action: ResultTrigger


def card_payment(
    on_result: EventType[dict[str, str]], on_action: EventType[dict[str, str]], **props: Any
) -> rx.Component:
    return CardPayment.create(on_result=on_result, on_action=on_action, **props)
