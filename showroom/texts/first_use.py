"""Strings added when fixing what a first-time user hit (issue 14)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (English, Japanese)
    "admin_error.bad_choice": (
        "That choice is not in the list; please pick again.",
        "選択肢にない値です。もう一度選んでください。",
    ),
}
