"""Settings read from the environment, with embedded defaults (SQLite, local files, localstripe).

Plain Python: no Reflex. Everything secret stays on the server side.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


DEFAULT_PUBLIC_URL = "http://localhost:3000"
LOOPBACK = ("localhost", "127.0.0.1", "[::1]")


def public_origins() -> list[str]:
    """The origins browsers may call the app from (CORS and the websocket's Origin check):
    the public URL's, those in SHOWROOM_ALLOWED_ORIGINS (comma-separated), and for a
    loopback public URL its loopback twins on the same port. Read without side effects, so
    rxconfig.py can ask before anything else starts."""
    url = urlsplit(os.environ.get("SHOWROOM_PUBLIC_URL", DEFAULT_PUBLIC_URL).strip())
    origins = [f"{url.scheme}://{url.netloc}"]
    if url.hostname in ("localhost", "127.0.0.1", "::1"):
        port = f":{url.port}" if url.port else ""
        origins += [f"{url.scheme}://{host}{port}" for host in LOOPBACK]
    extra = os.environ.get("SHOWROOM_ALLOWED_ORIGINS", "")
    origins += [o.strip().rstrip("/") for o in extra.split(",") if o.strip()]
    return list(dict.fromkeys(origins))


def _data_dir() -> Path:
    path = Path(os.environ.get("SHOWROOM_DATA_DIR", ROOT / "data"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_key(data_dir: Path) -> str:
    """The signing key: from the environment, else generated once and kept in the data dir."""
    if key := os.environ.get("SHOWROOM_SECRET_KEY"):
        return key
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _api_keys(data_dir: Path) -> tuple[str, ...]:
    """Keys for the POS/ERP API: from the environment, else one generated into the data dir."""
    if keys := os.environ.get("SHOWROOM_API_KEYS"):
        return tuple(k.strip() for k in keys.split(",") if k.strip())
    key_file = data_dir / "api_key"
    if not key_file.exists():
        key_file.write_text("sk_showroom_" + secrets.token_urlsafe(24))
        key_file.chmod(0o600)
    return (key_file.read_text().strip(),)


def _webhook_secret(data_dir: Path) -> str:
    """Stripe's webhook signing secret: from the environment (the endpoint's whsec_... with
    real Stripe), else generated once per data dir for localstripe (which reads it here too),
    so no public constant can sign "paid" events."""
    if secret := os.environ.get("STRIPE_WEBHOOK_SECRET"):
        return secret
    secret_file = data_dir / "webhook_secret"
    if not secret_file.exists():
        secret_file.write_text("whsec_" + secrets.token_urlsafe(32))
        secret_file.chmod(0o600)
    return secret_file.read_text().strip()


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    media_dir: Path
    secret_key: str = field(repr=False)
    api_keys: tuple[str, ...] = field(repr=False)
    public_url: str
    ice_servers: list[dict[str, object]]
    stripe_secret_key: str = field(repr=False)
    stripe_publishable_key: str
    stripe_api_base: str | None
    stripe_webhook_secret: str = field(repr=False)
    smtp_host: str | None
    smtp_port: int
    mail_from: str
    redis_url: str | None
    session_hours: int
    link_grace_hours: int
    # A walk-in caller nobody answered within this time is offered a booking or a message.
    queue_answer_s: int = 120
    # A walk-in caller whose page has been closed (no connection) this long leaves the queue.
    queue_gone_s: int = 30
    # What the app's own modules (showroom.*, consult.*) log to standard error.
    log_level: str = "INFO"
    # Call recordings: never under a public or static path.
    recordings_dir: Path = Path("data/recordings")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    data_dir = _data_dir()
    stripe_key = os.environ.get("STRIPE_SECRET_KEY", "")
    # No real key: talk to the local localstripe server with its conventional test key.
    local_stripe = not stripe_key
    return Settings(
        database_url=os.environ.get("DATABASE_URL", f"sqlite:///{data_dir / 'showroom.db'}"),
        data_dir=data_dir,
        media_dir=Path(os.environ.get("SHOWROOM_MEDIA_DIR", ROOT / "assets" / "panoramas")),
        secret_key=_secret_key(data_dir),
        api_keys=_api_keys(data_dir),
        public_url=os.environ.get("SHOWROOM_PUBLIC_URL", DEFAULT_PUBLIC_URL).rstrip("/"),
        ice_servers=json.loads(os.environ.get("SHOWROOM_ICE_SERVERS", "[]")),
        stripe_secret_key=stripe_key or "sk_test_localstripe",
        stripe_publishable_key=os.environ.get("STRIPE_PUBLISHABLE_KEY", "pk_test_localstripe"),
        stripe_api_base=(
            os.environ.get("STRIPE_API_BASE", "http://127.0.0.1:8420") if local_stripe else None
        ),
        stripe_webhook_secret=_webhook_secret(data_dir),
        smtp_host=os.environ.get("SMTP_HOST") or None,
        smtp_port=int(os.environ.get("SMTP_PORT", "25")),
        mail_from=os.environ.get("MAIL_FROM", "Showroom <no-reply@showroom.localhost>"),
        redis_url=os.environ.get("REDIS_URL") or None,
        session_hours=int(os.environ.get("SHOWROOM_SESSION_HOURS", "12")),
        link_grace_hours=int(os.environ.get("SHOWROOM_LINK_GRACE_HOURS", "2")),
        queue_answer_s=int(os.environ.get("SHOWROOM_QUEUE_ANSWER_S", "120")),
        queue_gone_s=int(os.environ.get("SHOWROOM_QUEUE_GONE_S", "30")),
        log_level=_log_level(os.environ.get("SHOWROOM_LOG_LEVEL", "INFO")),
        recordings_dir=Path(os.environ.get("SHOWROOM_RECORDINGS_DIR", data_dir / "recordings")),
    )


def _log_level(name: str) -> str:
    level = name.strip().upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ValueError(f"SHOWROOM_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {name!r}")
    return level
