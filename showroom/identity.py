"""Staff login (argon2id, server-side expiring sessions) and customers' signed, expiring links.

Plain Python; the pages and API routes call these and never see a password or a raw key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from showroom.db import utcnow
from showroom.models import StaffMember, StaffSession

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

ROLES = ("staff", "supervisor")
SESSION_COOKIE = "showroom_session"


class AuthError(Exception):
    """Login refused. The message key is shown translated; it never says which half was wrong."""

    def __init__(self, key: str = "auth.invalid_credentials") -> None:
        super().__init__(key)
        self.key = key


class LinkError(Exception):
    """A customer link that is malformed, tampered with, for something else, or expired."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class StaffIdentity:
    staff_id: int
    store_id: int
    role: str
    display_name: str

    def may(self, required_role: str) -> bool:
        """Supervisors may do what staff may; staff may not do what supervisors do."""
        return self.role == "supervisor" or self.role == required_role


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValueError("password must have at least 8 characters")
    return _hasher.hash(password)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def log_in(session: Session, email: str, password: str, *, hours: int) -> str:
    """Check the password and open a session; returns the opaque session token for the cookie."""
    staff = session.scalar(select(StaffMember).where(StaffMember.email == email.strip().lower()))
    try:
        _hasher.verify(staff.password_hash if staff else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise AuthError() from None
    if staff is None or not staff.active:
        raise AuthError()
    purge_expired_sessions(session)  # housekeeping: expired rows grant nothing, drop them
    token = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            token_hash=_token_hash(token),
            staff_id=staff.id,
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    return token


def identify(session: Session, token: str | None) -> StaffIdentity | None:
    """The staff member behind a session token, or None if it is unknown or expired."""
    if not token:
        return None
    row = session.get(StaffSession, _token_hash(token))
    if row is None or row.expires_at <= utcnow():
        return None
    staff = session.get(StaffMember, row.staff_id)
    if staff is None or not staff.active:
        return None
    return StaffIdentity(staff.id, staff.store_id, staff.role, staff.display_name)


def log_out(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == _token_hash(token)))


def purge_expired_sessions(session: Session) -> int:
    result = session.execute(delete(StaffSession).where(StaffSession.expires_at <= utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)


# Customer links --------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: str, body: str) -> str:
    return _b64(hmac.new(key.encode(), body.encode(), hashlib.sha256).digest())


def sign_link(key: str, kind: str, object_id: int, expires_at: datetime) -> str:
    """A token granting the customer access to one booking or call until `expires_at`."""
    body = _b64(
        json.dumps(
            {"k": kind, "id": object_id, "exp": int(expires_at.timestamp())},
            separators=(",", ":"),
        ).encode()
    )
    return f"{body}.{_mac(key, body)}"


def verify_link(key: str, token: str, kind: str, *, now: datetime | None = None) -> int:
    """The id the token grants for `kind`; raises LinkError if tampered, foreign or expired."""
    body, _, mac = token.partition(".")
    if not body or not mac or not hmac.compare_digest(_mac(key, body), mac):
        raise LinkError("link.invalid")
    try:
        claims = json.loads(_unb64(body))
        granted_kind, object_id, expires = claims["k"], int(claims["id"]), int(claims["exp"])
    except (ValueError, KeyError, TypeError):
        raise LinkError("link.invalid") from None
    if granted_kind != kind:
        raise LinkError("link.invalid")
    if (now or utcnow()).timestamp() >= expires:
        raise LinkError("link.expired")
    return object_id
