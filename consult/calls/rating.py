"""The customer's rating of a call: 1 to 5 stars and an optional comment, once, after the end."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from consult.models import Consultation
from showroom.db import utcnow

MAX_COMMENT = 1000


class RatingError(ValueError):
    """A rating not stored; `key` is the translated reason."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def rate(session: Session, consultation_id: int, stars: str | int, comment: str = "") -> None:
    try:
        value = int(str(stars).strip())
    except ValueError:
        raise RatingError("rating.choose") from None
    if not 1 <= value <= 5:
        raise RatingError("rating.choose")
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise RatingError("rating.too_long")
    call = session.get(Consultation, consultation_id)
    if call is None:
        raise LookupError(f"consultation {consultation_id}")
    if call.status != "ended" or call.started_at is None:
        raise RatingError("rating.not_yet")
    # One conditional UPDATE: two tabs submitting at once store one rating.
    stored = session.execute(
        update(Consultation)
        .where(Consultation.id == consultation_id, Consultation.rating.is_(None))
        .values(rating=value, rating_comment=comment, rated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if stored.rowcount != 1:  # type: ignore[attr-defined]
        raise RatingError("rating.already")
    session.refresh(call)


def may_rate(call: Consultation) -> bool:
    return call.status == "ended" and call.started_at is not None and call.rating is None
