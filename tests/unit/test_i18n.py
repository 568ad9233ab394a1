import re
from pathlib import Path

import pytest

from showroom.i18n import MESSAGES, catalogue, format_price, normalise_language, t

ROOT = Path(__file__).resolve().parents[2]


def test_every_message_has_english_and_japanese() -> None:
    for key, (english, japanese) in MESSAGES.items():
        assert english.strip() and japanese.strip(), key
    japanese_only = [
        k for k, (_en, ja) in MESSAGES.items() if not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", ja)
    ]
    # Only the language switch shows the other language's name in Latin letters.
    assert japanese_only == ["lang.switch"]


def test_every_key_used_in_the_code_exists() -> None:
    used: set[str] = set()
    for path in [*ROOT.glob("showroom/**/*.py"), *ROOT.glob("consult/**/*.py")]:
        source = path.read_text()
        used |= set(re.findall(r"""T\["([a-z_]+\.[a-z_]+)"\]""", source))
        used |= set(re.findall(r"""(?:key|error_key|_key)\s*=\s*"([a-z_]+\.[a-z_]+)\"""", source))
        used |= set(re.findall(r"""(?:Error|error)\("([a-z_]+\.[a-z_]+)"\)""", source))
    missing = sorted(k for k in used if k not in MESSAGES)
    assert used and not missing


@pytest.mark.parametrize(
    "header, expected",
    [
        ("en-GB,en;q=0.9", "en"),
        ("ja-JP,ja;q=0.9,en;q=0.8", "ja"),
        ("fr-FR,en;q=0.5", "en"),
        ("", "ja"),
        (None, "ja"),
    ],
)
def test_language_is_chosen_from_the_browser(header: str | None, expected: str) -> None:
    assert normalise_language(header) == expected


def test_translation_and_catalogue_agree() -> None:
    assert t("ja", "login.submit") == "ログイン"
    assert t("en", "login.submit") == "Log in"
    assert catalogue("en")["login.submit"] == "Log in"


@pytest.mark.parametrize(
    "amount, currency, text",
    [(248000, "JPY", "¥248,000"), (0, "JPY", "¥0"), (1999, "USD", "$19.99"), (5, "EUR", "€0.05")],
)
def test_prices_use_the_currency_minor_unit(amount: int, currency: str, text: str) -> None:
    assert format_price(amount, currency) == text
