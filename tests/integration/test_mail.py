"""Mail through a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from consult.mail import LogMailer, MailError, SmtpMailer, build_message, mailer_from_settings
from showroom.settings import get_settings
from tests.fixtures.servers import SmtpSink, free_port

ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Showroom//EN\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\nUID:booking-42@showroom.test\r\nDTSTAMP:20261120T000000Z\r\n"
    "DTSTART:20261124T060000Z\r\nDTEND:20261124T061500Z\r\n"
    "SUMMARY:ソファのご相談 (sofa consultation)\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
).encode()
BINARY = bytes(range(256)) * 4  # every byte value, e.g. an image
SUBJECT = "ご予約の確認 — your booking at 15:00 is confirmed"
TEXT = "山田様\n\n15:00 のご相談を承りました。\nJoin: http://localhost:3000/join/abc\n"
HTML = "<p>山田様</p><p>15:00 のご相談を承りました。 <a href='http://localhost:3000/join/abc'>Join</a></p>\n"


def test_multipart_mail_with_ics_arrives_intact(smtp_server: SmtpSink) -> None:
    smtp_server.clear()
    message = build_message(
        "hanako@example.com",
        SUBJECT,
        TEXT,
        HTML,
        attachments=[("booking.ics", ICS, "text/calendar"), ("photo.bin", BINARY, "image/png")],
    )
    mailer = SmtpMailer(
        smtp_server.host, smtp_server.port, default_sender="Showroom <no-reply@showroom.test>"
    )
    mailer.send(message)

    [got] = smtp_server.wait_for(1)
    assert smtp_server.received[0].rcpt_tos == ["hanako@example.com"]
    assert smtp_server.received[0].mail_from == "no-reply@showroom.test"
    assert got["Subject"] == SUBJECT
    assert got["To"] == "hanako@example.com"
    assert got["From"] == "Showroom <no-reply@showroom.test>"
    assert got["Message-ID"].endswith("@showroom.test>")

    assert got.get_content_type() == "multipart/mixed"
    alternative = next(iter(got.iter_parts()))
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html"]
    plain = got.get_body(preferencelist=("plain",))
    html = got.get_body(preferencelist=("html",))
    # MIME's canonical text form has CRLF line ends; compare the text itself.
    assert plain is not None and plain.get_content().replace("\r\n", "\n") == TEXT
    assert html is not None and html.get_content().replace("\r\n", "\n") == HTML

    attachments = {part.get_filename(): part for part in got.iter_attachments()}
    assert set(attachments) == {"booking.ics", "photo.bin"}
    ics = attachments["booking.ics"]
    assert ics.get_content_type() == "text/calendar"
    assert ics.get_param("method") == "REQUEST"
    assert ics.get_payload(decode=True) == ICS
    assert attachments["photo.bin"].get_payload(decode=True) == BINARY


def test_plain_message_without_html_or_attachments(smtp_server: SmtpSink) -> None:
    smtp_server.clear()
    SmtpMailer(smtp_server.host, smtp_server.port).send(
        build_message(["a@example.com", "b@example.com"], "Hello", "Just text.\n")
    )
    [got] = smtp_server.wait_for(1)
    assert got.get_content_type() == "text/plain"
    assert got.get_content() == "Just text.\n"
    assert sorted(smtp_server.received[0].rcpt_tos) == ["a@example.com", "b@example.com"]


def test_errors_are_readable() -> None:
    with pytest.raises(MailError, match="invalid recipient"):
        build_message("not-an-address", "Hi", "x")
    with pytest.raises(MailError, match="single line"):
        build_message("a@example.com", "Hi\nBcc: victim@example.com", "x")
    closed = SmtpMailer("127.0.0.1", free_port(), timeout=2)
    with pytest.raises(MailError, match="could not send mail"):
        closed.send(build_message("a@example.com", "Hi", "x"))


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_mailer_from_settings(
    fresh_settings: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("SMTP_HOST", raising=False)
    mailer = mailer_from_settings()
    assert isinstance(mailer, LogMailer)
    with caplog.at_level(logging.INFO, logger="consult.mail"):
        mailer.send(build_message("a@example.com", "Logged", "Body text\n", "<p>x</p>"))
    assert "Logged" in caplog.text and "Body text" in caplog.text

    get_settings.cache_clear()
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", "2525")
    smtp = mailer_from_settings()
    assert isinstance(smtp, SmtpMailer) and (smtp.host, smtp.port) == ("127.0.0.1", 2525)
