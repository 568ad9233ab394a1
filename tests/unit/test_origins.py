"""Which origins may call the app with credentials and open its websocket; which secret
signs webhooks."""

from __future__ import annotations

from pathlib import Path

import pytest

from showroom.settings import get_settings, public_origins


def test_only_the_public_origin_is_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOWROOM_PUBLIC_URL", "https://shop.example.com/")
    monkeypatch.delenv("SHOWROOM_ALLOWED_ORIGINS", raising=False)
    assert public_origins() == ["https://shop.example.com"]


def test_a_loopback_public_url_allows_its_twins_on_the_same_port_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SHOWROOM_PUBLIC_URL", "http://localhost:3000")
    monkeypatch.delenv("SHOWROOM_ALLOWED_ORIGINS", raising=False)
    allowed = public_origins()
    assert allowed == ["http://localhost:3000", "http://127.0.0.1:3000", "http://[::1]:3000"]
    assert "http://localhost:3001" not in allowed and "*" not in allowed


def test_more_origins_can_be_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOWROOM_PUBLIC_URL", "https://shop.example.com")
    monkeypatch.setenv("SHOWROOM_ALLOWED_ORIGINS", " https://pos.example.com/ ,")
    assert public_origins() == ["https://shop.example.com", "https://pos.example.com"]


def test_the_webhook_secret_is_made_per_data_dir_not_a_public_constant(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET", raising=False)
    secrets = []
    for name in ("one", "two", "one"):
        monkeypatch.setenv("SHOWROOM_DATA_DIR", str(tmp_path / name))
        get_settings.cache_clear()
        secrets.append(get_settings().stripe_webhook_secret)
    get_settings.cache_clear()
    assert secrets[0] == secrets[2] != secrets[1]  # kept in the data dir, different elsewhere
    assert secrets[0].startswith("whsec_") and len(secrets[0]) > 40
    assert (tmp_path / "one" / "webhook_secret").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_from_the_dashboard")
    get_settings.cache_clear()
    assert get_settings().stripe_webhook_secret == "whsec_from_the_dashboard"
    get_settings.cache_clear()
