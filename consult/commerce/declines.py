"""Every way a card payment can fail, as a message a customer understands (a text key).

Codes come from Stripe (and Stripe.js in the browser): the bank's `decline_code` when there is
one, else the error `code`, else our gateway's own codes (`network_error`, ...). Anything not
listed gets a general message; the provider's own English text is never shown to customers.
"""

from __future__ import annotations

# decline or error code -> text key (showroom/texts/commerce.py)
KEYS: dict[str, str] = {
    # the bank said no
    "generic_decline": "decline.generic",
    "card_declined": "decline.generic",
    "do_not_honor": "decline.generic",
    "call_issuer": "decline.call_issuer",
    "insufficient_funds": "decline.insufficient_funds",
    "card_velocity_exceeded": "decline.limit",
    "withdrawal_count_limit_exceeded": "decline.limit",
    "lost_card": "decline.generic",  # never tell a possible thief why
    "stolen_card": "decline.generic",
    "pickup_card": "decline.generic",
    "fraudulent": "decline.generic",
    "expired_card": "decline.expired_card",
    "incorrect_cvc": "decline.incorrect_cvc",
    "invalid_cvc": "decline.incorrect_cvc",
    "incorrect_number": "decline.incorrect_number",
    "invalid_number": "decline.incorrect_number",
    "invalid_expiry_month": "decline.invalid_expiry",
    "invalid_expiry_year": "decline.invalid_expiry",
    "incomplete_number": "decline.incomplete",
    "incomplete_cvc": "decline.incomplete",
    "incomplete_expiry": "decline.incomplete",
    "card_not_supported": "decline.not_supported",
    "currency_not_supported": "decline.not_supported",
    "processing_error": "decline.processing_error",
    "try_again_later": "decline.processing_error",
    "authentication_required": "decline.authentication",
    "payment_intent_authentication_failure": "decline.authentication",
    "setup_intent_authentication_failure": "decline.authentication",
    # the card form could not be read (localstripe answers "Bad request")
    "invalid_request": "decline.check_details",
    "bad_request": "decline.check_details",
    "validation_error": "decline.check_details",
    # our side or the provider's
    "network_error": "pay.try_again",
    "rate_limited": "pay.try_again",
    "provider_error": "pay.try_again",
    "api_error": "pay.try_again",
    "stripe_js": "pay.try_again",
    "configuration_error": "pay.unavailable",
    "live_mode": "pay.unavailable",
}
GENERAL = "decline.general"


def message_key(code: str | None, decline_code: str | None = None) -> str:
    """The text key for a failed payment: the bank's reason first, then the error's."""
    for candidate in (decline_code, code):
        if candidate and candidate in KEYS:
            return KEYS[candidate]
    return GENERAL


def may_retry_with_card(key: str) -> bool:
    """Whether another card (or the same, corrected) could succeed: the form stays open."""
    return key not in ("pay.unavailable",)
