"""The call panel (assets/call_video.jsx) shows only translated texts, in both languages."""

from __future__ import annotations

import re
from pathlib import Path

from showroom.i18n import MESSAGES
from showroom.texts import media

JSX = Path(__file__).resolve().parents[3] / "assets" / "call_video.jsx"
# Keys the panel builds from a state: media.camera_<problem>, media.mic_<problem>,
# media.quality_<level>.
BUILT = {
    f"media.{device}_{problem}"
    for device in ("camera", "mic")
    for problem in ("blocked", "missing", "busy")
} | {f"media.quality_{level}" for level in ("good", "fair", "poor", "unknown")}


def test_every_text_the_panel_uses_exists_in_both_languages() -> None:
    source = JSX.read_text()
    literal = set(re.findall(r"""tx\("(media\.[a-z_]+)"\)""", source))
    assert literal, "the panel reads its texts through tx(...)"
    used = literal | BUILT
    missing = sorted(key for key in used if key not in MESSAGES)
    assert not missing
    for key in used:
        english, japanese = MESSAGES[key]
        assert english.strip() and japanese.strip()


def test_no_text_is_left_unused() -> None:
    source = JSX.read_text()
    unused = [k for k in media.MESSAGES if k not in BUILT and f'"{k}"' not in source]
    assert unused == []
