"""Outgoing mail behind a one-method interface: SMTP for real, the log when no host is set."""

from __future__ import annotations

import logging
import os
import re
import smtplib
from collections import deque
from collections.abc import Sequence
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, make_msgid, parseaddr
from typing import Protocol
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

Attachment = tuple[str, bytes, str]  # (filename, content, mimetype e.g. "text/calendar")


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class MailError(RuntimeError):
    pass


def build_message(
    to: str | Sequence[str],
    subject: str,
    text: str,
    html: str | None = None,
    attachments: Sequence[Attachment] = (),
    *,
    sender: str | None = None,
    reply_to: str | None = None,
) -> EmailMessage:
    """A message with a plain-text body, an optional HTML alternative and attachments.

    Structure: multipart/mixed( multipart/alternative(text/plain, text/html), attachments... ),
    collapsing to the simpler forms when there is no HTML or no attachment. Non-ASCII text
    (Japanese) is encoded by the email package. `sender` may be left out: the mailer fills in its
    default From.
    """
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients or any("@" not in parseaddr(r)[1] for r in recipients):
        raise MailError(f"invalid recipient(s): {recipients!r}")
    if "\n" in subject or "\r" in subject:
        raise MailError("the subject must be a single line")
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = subject
    if sender:
        msg["From"] = sender
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for filename, content, mimetype in attachments:
        maintype, _, subtype = mimetype.partition("/")
        if not maintype or not subtype:
            raise MailError(f"bad MIME type {mimetype!r} for {filename}")
        params = {"method": "REQUEST"} if mimetype == "text/calendar" else {}
        if maintype == "text":  # given as bytes: say how they are encoded (Japanese in .ics)
            params["charset"] = "utf-8"
        msg.add_attachment(
            content, maintype=maintype, subtype=subtype, filename=filename, params=params
        )
    return msg


def _prepare(message: EmailMessage, default_sender: str, domain: str) -> EmailMessage:
    if "From" not in message:
        message["From"] = default_sender
    if "Message-ID" not in message:
        message["Message-ID"] = make_msgid(domain=domain)
    return message


class SmtpMailer:
    """Sends through an SMTP server (smtplib); optional STARTTLS and login."""

    def __init__(
        self,
        host: str,
        port: int = 25,
        *,
        default_sender: str = "Showroom <no-reply@showroom.localhost>",
        local_hostname: str | None = None,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.host = host
        self.port = port
        self.default_sender = default_sender
        # EHLO name; given explicitly so smtplib does not look up this machine's FQDN.
        self.local_hostname = local_hostname or "localhost"
        self.starttls = starttls
        self.username = username
        self.password = password
        self.timeout = timeout

    def send(self, message: EmailMessage) -> None:
        domain = parseaddr(self.default_sender)[1].rpartition("@")[2] or "localhost"
        _prepare(message, self.default_sender, domain)
        try:
            with smtplib.SMTP(
                self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout
            ) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
                refused = smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"could not send mail via {self.host}:{self.port}: {exc}") from exc
        if refused:
            log.warning("mail %s refused for %s", message["Message-ID"], refused)
        log.info("mail %s sent to %s: %s", message["Message-ID"], message["To"], message["Subject"])


# A path segment that looks like a token (a signed link, a calendar feed): long and opaque.
_TOKEN = re.compile(r"(?<=/)([A-Za-z0-9_-]{6})[A-Za-z0-9_.=-]{14,}")


def mask_tokens(text: str) -> str:
    """Links with their tokens cut short: the log shows which link went out, not the link."""
    return _TOKEN.sub(lambda m: m.group(1) + "…", text)


class LogMailer:
    """Writes each message to the log instead of sending it (no SMTP host configured).
    Customers' links in it are masked unless `show_links` (SHOWROOM_LOG_LINKS=1, for a
    developer trying the app without a mail server)."""

    def __init__(
        self,
        default_sender: str = "Showroom <no-reply@showroom.localhost>",
        *,
        show_links: bool = False,
    ) -> None:
        self.default_sender = default_sender
        self.show_links = show_links
        self.sent: deque[EmailMessage] = deque(maxlen=50)  # the latest, for a dev to inspect

    def send(self, message: EmailMessage) -> None:
        _prepare(message, self.default_sender, "showroom.localhost")
        self.sent.append(message)
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        if not self.show_links:
            text = mask_tokens(text)
        files = [part.get_filename() for part in message.iter_attachments()]
        log.info(
            "mail (not sent, no SMTP host) to %s from %s: %s\n%s\nattachments: %s",
            message["To"],
            message["From"],
            message["Subject"],
            text,
            files or "none",
        )


def mailer_from_settings() -> Mailer:
    """SMTP when `SMTP_HOST` is set, else the log."""
    from showroom.settings import get_settings

    s = get_settings()
    if not s.smtp_host:
        return LogMailer(s.mail_from, show_links=os.environ.get("SHOWROOM_LOG_LINKS") == "1")
    ehlo = urlsplit(s.public_url).hostname or "localhost"
    return SmtpMailer(s.smtp_host, s.smtp_port, default_sender=s.mail_from, local_hostname=ehlo)
