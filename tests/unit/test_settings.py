"""Settings read from the environment: defaults and clear refusals."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from showroom.settings import get_settings


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_log_level_defaults_to_info_and_accepts_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOWROOM_LOG_LEVEL", raising=False)
    assert get_settings().log_level == "INFO"
    get_settings.cache_clear()
    monkeypatch.setenv("SHOWROOM_LOG_LEVEL", " debug ")
    assert get_settings().log_level == "DEBUG"


def test_an_unknown_log_level_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOWROOM_LOG_LEVEL", "loud")
    with pytest.raises(ValueError, match=r"SHOWROOM_LOG_LEVEL must be DEBUG, INFO.*'loud'"):
        get_settings()
