"""Payment gateway adapter: a small interface and its one real implementation (Stripe).

No Reflex here. The gateway never sees card data: the customer's browser confirms the
PaymentIntent with Stripe.js; the server only creates (and, for demos, confirms) intents.
Every write carries an idempotency key, so a retried call never charges twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

import stripe

log = logging.getLogger(__name__)

#: The Stripe API version this adapter is written and tested against (stripe-python 16.1's own).
#: Pinned explicitly so an account-level upgrade or a new SDK default can't change response shapes.
STRIPE_API_VERSION = "2026-10-28.endive"

#: Network timeouts (connect, read) in seconds for calls to Stripe.
STRIPE_TIMEOUT = (3.0, 15.0)


@dataclass(frozen=True)
class PaymentIntentResult:
    """What the rest of the app needs to know about one PaymentIntent."""

    provider_ref: str  # the PaymentIntent id, pi_...
    client_secret: str  # handed to the customer's browser (Stripe.js) only
    status: str  # Stripe's PaymentIntent status, e.g. requires_payment_method, succeeded
    amount: int  # minor units (JPY: yen)
    currency: str  # ISO code, upper case
    # Why the last attempt failed (the bank's decline code, else the error code), if it did.
    failure_code: str | None = None


@dataclass(frozen=True)
class RefundResult:
    provider_ref: str  # re_...
    status: str  # pending, succeeded, failed, canceled, requires_action
    amount: int
    currency: str


@dataclass(frozen=True)
class CardSetup:
    """A SetupIntent: the browser confirms the card against it, straight with Stripe."""

    setup_ref: str
    client_secret: str


class PaymentError(Exception):
    """A payment call failed. `message` is readable; `code` is machine-oriented."""

    def __init__(self, code: str, message: str, *, decline_code: str | None = None) -> None:
        super().__init__(f"{message} ({code})")
        self.code = code
        self.message = message
        self.decline_code = decline_code


class PaymentGateway(Protocol):
    def create_payment(
        self,
        *,
        order_id: int,
        amount: int,
        currency: str,
        idempotency_key: str,
        description: str,
    ) -> PaymentIntentResult:
        """Create a PaymentIntent for `amount` (minor units) that a browser can confirm."""
        ...

    def retrieve_payment(self, provider_ref: str) -> PaymentIntentResult:
        """Fetch the current state of an existing PaymentIntent."""
        ...

    def cancel_payment(self, provider_ref: str) -> PaymentIntentResult:
        """Cancel an intent nothing was charged on yet (the total changed before paying)."""
        ...

    def refund(
        self,
        provider_ref: str,
        amount: int,
        *,
        idempotency_key: str,
        metadata: dict[str, str],
        reason: str = "",
    ) -> RefundResult:
        """Give back `amount` of a succeeded intent; settled later by the refund webhooks."""
        ...


class CardGateway(PaymentGateway, Protocol):
    """A gateway that can take a card the customer confirmed in the browser with the provider."""

    def start_card_setup(self, *, order_id: int, idempotency_key: str) -> CardSetup:
        """Open a SetupIntent the customer's browser confirms with the card, via Stripe.js."""
        ...

    def charge_saved_card(
        self, provider_ref: str, setup_ref: str, *, order_id: int, idempotency_key: str
    ) -> PaymentIntentResult:
        """Pay the intent with the card the customer confirmed on `setup_ref` for this order."""
        ...


class StripeGateway:
    """`PaymentGateway` on Stripe's PaymentIntents API through a `StripeClient`.

    `api_base` points at a local `localstripe` server (offline demo, tests) or is None for
    Stripe itself. No global `stripe.*` configuration is touched.
    """

    provider = "stripe"

    def __init__(
        self,
        secret_key: str,
        *,
        api_base: str | None = None,
        api_version: str = STRIPE_API_VERSION,
        timeout: tuple[float, float] = STRIPE_TIMEOUT,
        max_network_retries: int = 2,
    ) -> None:
        if not secret_key:
            raise ValueError("a Stripe secret key is required")
        self._local = api_base is not None
        self._live = secret_key.startswith(("sk_live_", "rk_live_"))
        self._client = stripe.StripeClient(
            secret_key,
            stripe_version=api_version,
            base_addresses={"api": api_base.rstrip("/")} if api_base is not None else None,
            max_network_retries=max_network_retries,
            http_client=stripe.RequestsClient(timeout=timeout),
        )

    @classmethod
    def from_settings(cls) -> StripeGateway:
        from showroom.settings import get_settings

        s = get_settings()
        return cls(s.stripe_secret_key, api_base=s.stripe_api_base)

    # -- PaymentGateway ---------------------------------------------------------------------

    def create_payment(
        self,
        *,
        order_id: int,
        amount: int,
        currency: str,
        idempotency_key: str,
        description: str,
    ) -> PaymentIntentResult:
        if amount <= 0:
            raise PaymentError("invalid_amount", "The amount to pay must be positive.")
        params: dict[str, Any] = {
            "amount": amount,
            "currency": currency.lower(),
            "payment_method_types": ["card"],
            "metadata": {"order_id": str(order_id), "description": description[:500]},
        }
        if not self._local:
            # localstripe rejects parameters it does not model ("Unexpected description").
            params["description"] = description[:1000]
        intent = self._call(
            "create the payment",
            lambda: self._client.v1.payment_intents.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key},
            ),
        )
        return _result(intent)

    def retrieve_payment(self, provider_ref: str) -> PaymentIntentResult:
        intent = self._call(
            "look up the payment",
            lambda: self._client.v1.payment_intents.retrieve(provider_ref),
        )
        return _result(intent)

    def cancel_payment(self, provider_ref: str) -> PaymentIntentResult:
        intent = self._call(
            "cancel the payment",
            lambda: self._client.v1.payment_intents.cancel(
                provider_ref, None, {"idempotency_key": f"{provider_ref}-cancel"}
            ),
        )
        return _result(intent)

    def refund(
        self,
        provider_ref: str,
        amount: int,
        *,
        idempotency_key: str,
        metadata: dict[str, str],
        reason: str = "",
    ) -> RefundResult:
        if amount <= 0:
            raise PaymentError("invalid_amount", "The amount to refund must be positive.")
        params: dict[str, Any] = {
            "payment_intent": provider_ref,
            "amount": amount,
            "metadata": {**metadata, "reason": reason[:500]},
        }
        if not self._local:
            # localstripe rejects parameters it does not model; Stripe knows these reasons.
            params["reason"] = "requested_by_customer"
        refund = self._call(
            "refund the payment",
            lambda: self._client.v1.refunds.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key},
            ),
        )
        return RefundResult(
            provider_ref=str(refund.id),
            status=str(refund.status),
            amount=int(refund.amount),
            currency=str(refund.currency).upper(),
        )

    def start_card_setup(self, *, order_id: int, idempotency_key: str) -> CardSetup:
        setup = self._call(
            "prepare the card form",
            lambda: self._client.v1.setup_intents.create(
                {"payment_method_types": ["card"], "metadata": {"order_id": str(order_id)}},  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key},
            ),
        )
        return CardSetup(str(setup.id), str(setup.client_secret))

    def charge_saved_card(
        self, provider_ref: str, setup_ref: str, *, order_id: int, idempotency_key: str
    ) -> PaymentIntentResult:
        setup = self._call(
            "read the confirmed card",
            lambda: self._client.v1.setup_intents.retrieve(setup_ref),
        )
        metadata = setup.metadata.to_dict() if setup.metadata else {}
        if setup.status != "succeeded" or metadata.get("order_id") != str(order_id):
            # A setup from another order (or an unconfirmed one) must never pay this order.
            raise PaymentError("invalid_card_setup", "The card was not confirmed for this order.")
        return self._attach_and_confirm(provider_ref, str(setup.payment_method), idempotency_key)

    # -- demo and test helper ---------------------------------------------------------------

    def confirm_test_payment(
        self, provider_ref: str, payment_method: str, *, idempotency_key: str | None = None
    ) -> PaymentIntentResult:
        """Attach a payment method to an intent and confirm it, server side. Test mode only.

        With Stripe the customer's browser confirms through Stripe.js and this is not used. It
        serves tests and the offline demo: a Stripe test method (`pm_card_visa`,
        `pm_card_chargeCustomerFail`) or, against localstripe, the `card_...` id from its fake
        Stripe.js `createToken(cardElement)` (whose `confirmCardPayment` does not send the card).
        Attach-then-confirm because localstripe does not implement
        `confirm(payment_method=...)`. A decline raises PaymentError("card_declined", ...).
        """
        if self._live:
            raise PaymentError(
                "live_mode", "Payments cannot be confirmed by the server in live mode."
            )
        if not payment_method.startswith(("pm_", "card_")):
            raise PaymentError("invalid_payment_method", "That is not a card payment method.")
        key = idempotency_key or f"{provider_ref}-{payment_method}"
        return self._attach_and_confirm(provider_ref, payment_method, key)

    # -- internals --------------------------------------------------------------------------

    def _attach_and_confirm(
        self, provider_ref: str, payment_method: str, idempotency_key: str
    ) -> PaymentIntentResult:
        """Attach, then confirm: localstripe does not implement confirm(payment_method=...)."""
        self._call(
            "attach the card",
            lambda: self._client.v1.payment_intents.update(
                provider_ref,
                {"payment_method": payment_method},
                {"idempotency_key": f"{idempotency_key}-attach"},
            ),
        )
        intent = self._call(
            "confirm the payment",
            lambda: self._client.v1.payment_intents.confirm(
                provider_ref, None, {"idempotency_key": f"{idempotency_key}-confirm"}
            ),
        )
        return _result(intent)

    @staticmethod
    def _call(action: str, fn: Any) -> Any:
        try:
            return fn()
        except stripe.CardError as exc:
            message = exc.user_message or "The card was declined."
            decline = getattr(exc.error, "decline_code", None) if exc.error else None
            log.info("card error while trying to %s: %s (%s)", action, message, exc.code)
            raise PaymentError(exc.code or "card_declined", message, decline_code=decline) from exc
        except stripe.APIConnectionError as exc:
            log.warning("cannot reach Stripe to %s: %s", action, exc)
            raise PaymentError(
                "network_error",
                f"Could not reach the payment provider to {action}; please try again.",
            ) from exc
        except stripe.RateLimitError as exc:
            raise PaymentError(
                "rate_limited", f"The payment provider is busy; could not {action}. Try again."
            ) from exc
        except stripe.AuthenticationError as exc:
            log.error("Stripe rejected the API key: %s", exc)
            raise PaymentError(
                "configuration_error", "Payments are not configured correctly (API key)."
            ) from exc
        except stripe.IdempotencyError as exc:
            raise PaymentError(
                "idempotency_conflict",
                f"Could not {action}: this request was already made with different details.",
            ) from exc
        except stripe.InvalidRequestError as exc:
            log.warning("Stripe refused to %s: %r", action, exc)
            raise PaymentError(
                exc.code or "invalid_request",
                f"The payment provider refused to {action}: {exc.user_message or 'bad request'}.",
            ) from exc
        except stripe.StripeError as exc:
            log.error("Stripe error while trying to %s: %r", action, exc)
            raise PaymentError(
                exc.code or "provider_error",
                f"The payment provider failed to {action}: {exc.user_message or 'unknown error'}.",
            ) from exc


def _result(intent: Any) -> PaymentIntentResult:
    error = getattr(intent, "last_payment_error", None)
    failure = None
    if error:
        failure = getattr(error, "decline_code", None) or getattr(error, "code", None)
    return PaymentIntentResult(
        provider_ref=str(intent.id),
        client_secret=str(intent.client_secret),
        status=str(intent.status),
        amount=int(intent.amount),
        currency=str(intent.currency).upper(),
        failure_code=str(failure) if failure else None,
    )
