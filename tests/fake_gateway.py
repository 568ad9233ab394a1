"""A `CardGateway` in memory that behaves like Stripe where localstripe cannot: idempotency
keys, decline codes, 3-D Secure that needs the browser, refunds that stay pending or fail, and
a provider that is down. Tests of the money rules use it; the real adapter is tested against
localstripe in tests/integration/commerce."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from consult.commerce.payments import CardSetup, PaymentError, PaymentIntentResult, RefundResult


@dataclass
class FakeGateway:
    by_key: dict[str, object] = field(default_factory=dict)
    intents: dict[str, PaymentIntentResult] = field(default_factory=dict)
    refunds: dict[str, RefundResult] = field(default_factory=dict)
    create_calls: list[str] = field(default_factory=list)
    refund_calls: list[str] = field(default_factory=list)
    charge_calls: list[str] = field(default_factory=list)
    # What the next charge does: "succeeded", "requires_action", or a decline code.
    next_charge: str = "succeeded"
    # What a refund is when created: "succeeded", "pending", "failed".
    refund_status: str = "succeeded"
    down: bool = False

    def _check(self) -> None:
        if self.down:
            raise PaymentError(
                "network_error", "Could not reach the payment provider; please try again."
            )

    def create_payment(
        self, *, order_id: int, amount: int, currency: str, idempotency_key: str, description: str
    ) -> PaymentIntentResult:
        self._check()
        self.create_calls.append(idempotency_key)
        if idempotency_key in self.by_key:
            return self.intents[str(self.by_key[idempotency_key])]
        ref = f"pi_test_{len(self.intents) + 1}"
        result = PaymentIntentResult(
            ref, f"{ref}_secret_x", "requires_payment_method", amount, currency.upper()
        )
        self.by_key[idempotency_key] = ref
        self.intents[ref] = result
        return result

    def retrieve_payment(self, provider_ref: str) -> PaymentIntentResult:
        self._check()
        return self.intents[provider_ref]

    def cancel_payment(self, provider_ref: str) -> PaymentIntentResult:
        self._check()
        self.set_status(provider_ref, "canceled")
        return self.intents[provider_ref]

    def set_status(self, provider_ref: str, status: str, failure: str | None = None) -> None:
        self.intents[provider_ref] = replace(
            self.intents[provider_ref], status=status, failure_code=failure
        )

    def refund(
        self,
        provider_ref: str,
        amount: int,
        *,
        idempotency_key: str,
        metadata: dict[str, str],
        reason: str = "",
    ) -> RefundResult:
        self._check()
        self.refund_calls.append(idempotency_key)
        if idempotency_key in self.by_key:
            return self.refunds[str(self.by_key[idempotency_key])]
        ref = f"re_test_{len(self.refunds) + 1}"
        result = RefundResult(ref, self.refund_status, amount, self.intents[provider_ref].currency)
        self.by_key[idempotency_key] = ref
        self.refunds[ref] = result
        return result

    def start_card_setup(self, *, order_id: int, idempotency_key: str) -> CardSetup:
        self._check()
        return CardSetup(f"seti_{order_id}", f"seti_{order_id}_secret_x")

    def charge_saved_card(
        self, provider_ref: str, setup_ref: str, *, order_id: int, idempotency_key: str
    ) -> PaymentIntentResult:
        self._check()
        self.charge_calls.append(idempotency_key)
        if idempotency_key in self.by_key:
            return self.intents[provider_ref]
        self.by_key[idempotency_key] = provider_ref
        outcome = self.next_charge
        if outcome in ("succeeded", "requires_action"):
            self.set_status(provider_ref, outcome)
            return self.intents[provider_ref]
        self.set_status(provider_ref, "requires_payment_method", outcome)
        raise PaymentError("card_declined", "Your card was declined.", decline_code=outcome)
