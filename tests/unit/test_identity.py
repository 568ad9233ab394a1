from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from showroom.db import utcnow
from showroom.identity import (
    AuthError,
    LinkError,
    hash_password,
    identify,
    log_in,
    log_out,
    sign_link,
    verify_link,
)
from showroom.models import StaffSession
from tests import factories

KEY = "test-key"


def test_password_hash_is_argon2id_and_not_the_password() -> None:
    hashed = hash_password("correct horse")
    assert hashed.startswith("$argon2id$")
    assert "correct horse" not in hashed


def test_short_password_is_refused() -> None:
    with pytest.raises(ValueError):
        hash_password("short")


def test_login_opens_a_session_that_identifies_the_staff_member(session: Session) -> None:
    member = factories.staff(session, factories.store(session), role="supervisor")
    token = log_in(session, "AIKO@example.com ", "correct horse", hours=1)
    who = identify(session, token)
    assert who is not None and who.staff_id == member.id and who.role == "supervisor"
    assert who.may("staff") and who.may("supervisor")


@pytest.mark.parametrize(
    "email, password", [("aiko@example.com", "wrong"), ("nobody@example.com", "correct horse")]
)
def test_wrong_credentials_are_refused_and_store_nothing(
    session: Session, email: str, password: str
) -> None:
    factories.staff(session, factories.store(session))
    with pytest.raises(AuthError) as raised:
        log_in(session, email, password, hours=1)
    assert raised.value.key == "auth.invalid_credentials"
    assert session.query(StaffSession).count() == 0


def test_staff_may_not_act_as_supervisor(session: Session) -> None:
    factories.staff(session, factories.store(session), role="staff")
    who = identify(session, log_in(session, "aiko@example.com", "correct horse", hours=1))
    assert who is not None and not who.may("supervisor")


def test_session_expires_and_logout_ends_it(session: Session) -> None:
    factories.staff(session, factories.store(session))
    token = log_in(session, "aiko@example.com", "correct horse", hours=1)
    row = session.query(StaffSession).one()
    assert token not in row.token_hash  # only a hash is stored
    row.expires_at = utcnow() - timedelta(seconds=1)
    assert identify(session, token) is None
    row.expires_at = utcnow() + timedelta(hours=1)
    assert identify(session, token) is not None
    log_out(session, token)
    assert identify(session, token) is None


def test_inactive_staff_cannot_log_in(session: Session) -> None:
    member = factories.staff(session, factories.store(session))
    member.active = False
    with pytest.raises(AuthError):
        log_in(session, "aiko@example.com", "correct horse", hours=1)


def test_signed_link_grants_its_one_object_until_it_expires() -> None:
    token = sign_link(KEY, "call", 42, utcnow() + timedelta(minutes=5))
    assert verify_link(KEY, token, "call") == 42
    with pytest.raises(LinkError, match=r"link\.expired"):
        verify_link(KEY, token, "call", now=utcnow() + timedelta(minutes=6))


@pytest.mark.parametrize(
    "mangle",
    [
        lambda tok: tok[:-2] + ("AA" if tok[-2:] != "AA" else "BB"),  # signature changed
        lambda tok: sign_link("other-key", "call", 42, utcnow() + timedelta(hours=1)),
        lambda tok: "garbage",
        lambda tok: "",
        lambda tok: tok.split(".")[0] + ".",
    ],
)
def test_tampered_links_are_refused(mangle: object) -> None:
    token = sign_link(KEY, "call", 42, utcnow() + timedelta(hours=1))
    with pytest.raises(LinkError, match=r"link\.invalid"):
        verify_link(KEY, mangle(token), "call")  # type: ignore[operator]


def test_changing_the_id_inside_a_link_breaks_it() -> None:
    import base64
    import json

    token = sign_link(KEY, "call", 42, utcnow() + timedelta(hours=1))
    body, mac = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["id"] = 43
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(LinkError):
        verify_link(KEY, f"{forged}.{mac}", "call")


def test_link_for_one_kind_does_not_open_another() -> None:
    token = sign_link(KEY, "order", 42, utcnow() + timedelta(hours=1))
    with pytest.raises(LinkError, match=r"link\.invalid"):
        verify_link(KEY, token, "call")


def test_logging_in_clears_expired_sessions_but_keeps_live_ones(session: Session) -> None:
    factories.staff(session, factories.store(session))
    old = log_in(session, "aiko@example.com", "correct horse", hours=1)
    live = log_in(session, "aiko@example.com", "correct horse", hours=1)
    expired = session.get(StaffSession, _hash(old))
    assert expired is not None
    expired.expires_at = utcnow() - timedelta(seconds=1)
    log_in(session, "aiko@example.com", "correct horse", hours=1)
    assert session.get(StaffSession, _hash(old)) is None
    assert identify(session, live) is not None and session.query(StaffSession).count() == 2


def _hash(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()
