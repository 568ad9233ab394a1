from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from consult.calls.consultations import end, start_walk_in
from consult.calls.queue import accept
from consult.calls.rating import RatingError, may_rate, rate
from tests import factories


def test_a_customer_rates_an_ended_call_once(session: Session) -> None:
    store = factories.store(session)
    aiko = factories.staff(session, store)
    call = start_walk_in(session, store.id)
    with pytest.raises(RatingError) as error:
        rate(session, call.id, 5)
    assert error.value.key == "rating.not_yet"
    accept(session, call.id, aiko.id, store.id)
    end(session, call.id)
    assert may_rate(call)
    for stars, comment, key in (("0", "", "rating.choose"), ("six", "", "rating.choose"),
                                ("4", "x" * 1001, "rating.too_long")):  # fmt: skip
        with pytest.raises(RatingError) as error:
            rate(session, call.id, stars, comment)
        assert error.value.key == key
    rate(session, call.id, "4", "  とても親切でした  ")
    assert (call.rating, call.rating_comment) == (4, "とても親切でした") and not may_rate(call)
    with pytest.raises(RatingError) as error:
        rate(session, call.id, 1)
    assert error.value.key == "rating.already" and call.rating == 4
    with pytest.raises(LookupError):
        rate(session, 404, 3)
