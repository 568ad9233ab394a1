"""Without a mail server the log shows what went out, but not the customers' link tokens."""

from __future__ import annotations

import logging

import pytest

from consult.mail import LogMailer, build_message

LINK = "http://localhost:3000/booking/join/eyJrIjoiYm9va2luZyIsImlkIjo1fQ.c2lnbmF0dXJlLXZhbHVl"


@pytest.mark.parametrize("show_links", [False, True])
def test_join_links_are_masked_in_the_log_unless_asked(
    caplog: pytest.LogCaptureFixture, show_links: bool
) -> None:
    mailer = LogMailer(show_links=show_links)
    body = f"Join your consultation: {LINK}\nTour: http://localhost:3000/tour/aoyama/living\n"
    with caplog.at_level(logging.INFO, logger="consult.mail"):
        mailer.send(build_message("hana@example.com", "Your consultation", body, "<p>x</p>"))
    assert "Your consultation" in caplog.text and "/tour/aoyama/living" in caplog.text
    assert (LINK in caplog.text) is show_links
    assert "/booking/join/eyJrIj…" in caplog.text or show_links
    sent = mailer.sent[-1].get_body(preferencelist=("plain",))
    assert sent is not None and LINK in sent.get_content()  # the mail itself is untouched
