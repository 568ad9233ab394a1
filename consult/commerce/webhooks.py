"""Stripe webhooks: verify the signature on the raw body, dispatch from a table, apply once.

Route contract (`webhook_routes()`), `POST /api/stripe/webhook`:
  400 {"error": "bad_signature", "message": ...}      missing/wrong/expired `Stripe-Signature`
                                                     (nothing read, nothing stored)
  400 {"error": "malformed_payload", "message": ...}  signed, but not a Stripe event; or JSON
                                                     nested more than 32 levels (not parsed)
  413 {"error": "too_large", "message": ...}          body over 512 KiB (never read past it)
  200 {"status": "applied" | "duplicate" | "ignored"}
Any other failure is a 500 with the transaction rolled back, so Stripe delivers the event again.

Idempotency: the event id is inserted into `webhook_events` (primary key) first, in the same
transaction as its effects, with INSERT ... ON CONFLICT DO NOTHING; a replay inserts nothing and
is a no-op. Concurrent deliveries of one event: on PostgreSQL the second insert waits for the
first transaction and then sees the conflict; SQLite serializes writers.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from typing import Any, Literal

import stripe
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from consult.commerce.effects import AfterCommit, take_effects
from consult.commerce.orders import (
    PaymentMismatchError,
    UnknownPaymentError,
    mark_paid,
    mark_payment_failed,
)
from consult.commerce.refunds import apply_charge_refunded, apply_refund
from consult.models import WebhookEvent
from showroom.db import utcnow
from showroom.request_body import BodyError, check_depth, read_bounded

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/api/stripe/webhook"
TOLERANCE_S = 300  # Stripe's default: a signature older (or newer) than 5 minutes is refused
MAX_BODY_BYTES = 512 * 1024

Outcome = Literal["applied", "duplicate", "ignored"]
Handler = Callable[[Session, dict[str, Any]], Outcome]
SessionFactory = Callable[[], AbstractContextManager[Session]]


class WebhookError(ValueError):
    pass


class SignatureError(WebhookError):
    """Missing or wrong `Stripe-Signature` (or timestamp too old)."""


class MalformedPayloadError(WebhookError):
    """Correctly signed, but not a Stripe event we can read."""


def verify_event(payload: bytes, signature_header: str | None, secret: str) -> stripe.Event:
    """Verify `payload` (the raw request body, unparsed) against the header; return the event."""
    if not secret:
        raise SignatureError("no webhook secret configured")
    if _signed_at(signature_header) > time.time() + TOLERANCE_S:
        # The SDK refuses only old timestamps; one from the future is as suspect.
        raise SignatureError("timestamp too far in the future")
    try:
        event = stripe.Webhook.construct_event(
            payload, signature_header, secret, tolerance=TOLERANCE_S
        )
    except stripe.SignatureVerificationError as exc:
        raise SignatureError(str(exc)) from exc
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        # Unicode or JSON errors (raised only after the signature check passed), or a JSON
        # document that is not an event object.
        if isinstance(exc, UnicodeDecodeError):
            raise SignatureError("body is not UTF-8") from exc
        raise MalformedPayloadError(str(exc)) from exc
    data = _event_dict(event)
    obj = data.get("data", {}).get("object") if isinstance(data.get("data"), dict) else None
    if (
        not isinstance(data.get("id"), str)
        or not isinstance(data.get("type"), str)
        or not isinstance(obj, dict)
    ):
        raise MalformedPayloadError("event without id, type or data.object")
    return event


def _signed_at(signature_header: str | None) -> int:
    """The `t=` of a Stripe-Signature header (0 if there is none: the SDK then refuses it)."""
    for part in (signature_header or "").split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            return int(value)
    return 0


def _event_dict(event: stripe.Event) -> dict[str, Any]:
    return event.to_dict()


# -- handlers: one per event type ----------------------------------------------------------------


def _on_payment_succeeded(session: Session, intent: dict[str, Any]) -> Outcome:
    amount = intent.get("amount_received", intent.get("amount"))
    currency = intent.get("currency")
    if not isinstance(amount, int) or not isinstance(currency, str):
        log.error("payment_intent.succeeded %s without amount/currency", intent.get("id"))
        return "ignored"
    try:
        order = mark_paid(session, str(intent["id"]), amount, currency)
    except UnknownPaymentError:
        log.warning("payment_intent.succeeded for unknown intent %s", intent.get("id"))
        return "ignored"
    except PaymentMismatchError as exc:
        log.error("not marking paid: %s", exc)
        return "ignored"
    log.info("order %s is %s after payment %s", order.id, order.status, intent["id"])
    return "applied"


def _on_payment_failed(session: Session, intent: dict[str, Any]) -> Outcome:
    error = intent.get("last_payment_error")
    error = error if isinstance(error, dict) else {}
    code = error.get("decline_code") or error.get("code")
    try:
        order = mark_payment_failed(session, str(intent["id"]), str(code) if code else None)
    except UnknownPaymentError:
        log.warning("payment_intent.payment_failed for unknown intent %s", intent.get("id"))
        return "ignored"
    log.info("payment %s for order %s failed: %s", intent["id"], order.id, code)
    return "applied"


def _on_refund(session: Session, refund: dict[str, Any]) -> Outcome:
    return "applied" if apply_refund(session, refund) else "ignored"


def _on_charge_refunded(session: Session, charge: dict[str, Any]) -> Outcome:
    return "applied" if apply_charge_refunded(session, charge) else "ignored"


HANDLERS: dict[str, Handler] = {
    "payment_intent.succeeded": _on_payment_succeeded,
    "payment_intent.payment_failed": _on_payment_failed,
    "refund.created": _on_refund,
    "refund.updated": _on_refund,
    "refund.failed": _on_refund,
    "charge.refunded": _on_charge_refunded,
}
HANDLED_EVENTS = frozenset(HANDLERS)


# -- apply once ----------------------------------------------------------------------------------


def _record_event(session: Session, event_id: str, kind: str) -> bool:
    """Insert the event id; False if it is already there (a replay)."""
    values = {"event_id": event_id, "provider": "stripe", "kind": kind, "received_at": utcnow()}
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        # RETURNING tells whether a row went in (rowcount is -1 here with psycopg 3).
        dml = postgresql if dialect == "postgresql" else sqlite
        stmt = (
            dml.insert(WebhookEvent)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(WebhookEvent.event_id)
        )
        return session.execute(stmt).first() is not None
    try:  # other databases: a savepoint around a plain insert
        with session.begin_nested():
            session.add(WebhookEvent(**values))
        return True
    except IntegrityError:
        return False


def apply_event(session: Session, event: stripe.Event) -> Outcome:
    """Apply a verified event once. The caller commits (or rolls back) the session."""
    data = _event_dict(event)
    event_id, kind = str(data["id"]), str(data["type"])
    handler = HANDLERS.get(kind)
    if handler is None:
        log.debug("ignoring webhook %s (%s)", event_id, kind)
        return "ignored"
    if not _record_event(session, event_id, kind):
        log.info("webhook %s (%s) already applied", event_id, kind)
        return "duplicate"
    outcome = handler(session, data["data"]["object"])
    log.info("webhook %s (%s): %s", event_id, kind, outcome)
    return outcome


# -- HTTP ----------------------------------------------------------------------------------------


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


def webhook_routes(
    *,
    secret: str | None = None,
    session_factory: SessionFactory | None = None,
    path: str = WEBHOOK_PATH,
    after_commit: Callable[[AfterCommit], Awaitable[None]] | None = None,
) -> list[Route]:
    """Starlette routes for Stripe's webhook. Defaults: settings' secret, `session_scope`.

    `after_commit` runs what an applied event must tell others (call pages, tours, the receipt
    mail), once its transaction has committed; none by default."""
    if secret is None:
        from showroom.settings import get_settings

        settings = get_settings()
        secret = settings.stripe_webhook_secret
        if settings.stripe_api_base is None and not os.environ.get("STRIPE_WEBHOOK_SECRET"):
            # Real Stripe keys with a secret Stripe does not know: every real event would fail.
            raise RuntimeError(
                "STRIPE_WEBHOOK_SECRET must be set (the endpoint's whsec_... from Stripe) "
                "when STRIPE_SECRET_KEY is."
            )
    if session_factory is None:
        from showroom.db import session_scope

        session_factory = session_scope
    webhook_secret: str = secret
    open_session: SessionFactory = session_factory

    def _apply(event: stripe.Event) -> tuple[Outcome, AfterCommit]:
        with open_session() as session:
            outcome = apply_event(session, event)
            effects = take_effects(session)
        return outcome, effects

    async def stripe_webhook(request: Request) -> JSONResponse:
        try:  # at most the limit is ever read; too deep a document never reaches json.loads
            payload = await read_bounded(request, MAX_BODY_BYTES)
            check_depth(payload)
        except BodyError as exc:
            code = "too_large" if exc.status == 413 else "malformed_payload"
            return _error(exc.status, code, exc.message)
        try:
            event = verify_event(payload, request.headers.get("stripe-signature"), webhook_secret)
        except SignatureError as exc:
            log.warning("rejected Stripe webhook: bad signature (%s)", exc)
            return _error(400, "bad_signature", "The Stripe-Signature header does not verify.")
        except MalformedPayloadError as exc:
            log.warning("rejected Stripe webhook: malformed payload (%s)", exc)
            return _error(400, "malformed_payload", "The body is not a Stripe event.")
        outcome, effects = await run_in_threadpool(_apply, event)
        if after_commit is not None and outcome == "applied":
            try:
                await after_commit(effects)
            except Exception:  # the event is applied; telling others must not undo that
                log.exception("after applying webhook %s", _event_dict(event).get("id"))
        return JSONResponse({"status": outcome})

    return [Route(path, stripe_webhook, methods=["POST"], name="stripe_webhook")]
