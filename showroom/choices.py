"""What a select, radio group or list button sends back, read into plain values.

Radix selects send an item's value with the type the page gave it: an id set from an
integer column arrives as a number, one set from text as a string. Handlers read such
values through these functions rather than assuming `str`.
"""

from __future__ import annotations


def chosen_id(value: object) -> int | None:
    """A positive row id from an int or a string of digits; anything else is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit() and 0 < len(text) <= 18:
            number = int(text)
            return number if number > 0 else None
    return None


def chosen_text(value: object, allowed: frozenset[str] | tuple[str, ...], default: str) -> str:
    """One of `allowed` (as a string), else `default`."""
    text = (
        str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    )
    return text if text in allowed else default
